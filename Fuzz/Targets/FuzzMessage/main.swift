import FuzzSupport

FuzzDriver.run(fuzzMessage)
