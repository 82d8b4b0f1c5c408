import FuzzSupport

FuzzDriver.run(fuzzWire)
