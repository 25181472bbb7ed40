"""The emulator's routes, one module per resource group; each exposes `routes(emulator)`."""
