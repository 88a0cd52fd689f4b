# libgaia/metrics: Prometheus text exposition and histograms.
libgaia_internal_la_SOURCES += \
	libgaia/metrics/metrics.h libgaia/metrics/metrics_text.c \
	libgaia/metrics/metrics_hist.c
libgaia_internal_la_LIBADD += -lm
