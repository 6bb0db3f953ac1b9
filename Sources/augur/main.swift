print("augur")
