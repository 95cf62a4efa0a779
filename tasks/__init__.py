"""doit task generators: thin wiring from the composed config to the steps in ``tao2ds``."""
