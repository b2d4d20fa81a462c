"""The demo district (劲松街道): CSV files in the admin import format."""
