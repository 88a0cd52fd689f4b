# unit tests of the linearizability checker
