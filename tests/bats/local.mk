# bats suites (real processes on loopback)
