"""The local stack: moto in-process plus the real handlers, built from ``template.yaml``."""
