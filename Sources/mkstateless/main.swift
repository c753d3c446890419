print("mkstateless")
