import FuzzSupport

FuzzDriver.run(fuzzZstd)
