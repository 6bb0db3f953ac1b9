// AugurEngine
