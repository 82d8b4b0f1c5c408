import FuzzSupport

FuzzDriver.run(fuzzCharset)
