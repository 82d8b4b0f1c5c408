import FuzzSupport

FuzzDriver.run(fuzzRegistry)
