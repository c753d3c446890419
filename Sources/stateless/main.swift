print("stateless")
