import FuzzSupport

FuzzDriver.run(fuzzJSON)
