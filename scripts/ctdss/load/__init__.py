"""Loading: the portal and snapshot sources, landing and the load audit."""
