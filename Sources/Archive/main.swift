print("hub-archive: not yet")
