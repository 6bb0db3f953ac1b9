// AugurTokenizer
