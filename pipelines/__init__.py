"""What runs a build: the deepstream-app launcher, the pyds app, and the CPU reference runner."""
