// \(module) placeholder
