// AugurSampling
