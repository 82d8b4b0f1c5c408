import FuzzSupport

FuzzDriver.run(fuzzNDJSON)
