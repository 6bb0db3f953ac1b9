// AugurStore
