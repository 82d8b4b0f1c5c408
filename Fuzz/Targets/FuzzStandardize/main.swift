import FuzzSupport

FuzzDriver.run(fuzzStandardize)
