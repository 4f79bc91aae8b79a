"""The Spark target: its Thrift server, the raw export and the engine comparison."""
