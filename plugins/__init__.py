"""The CRM's built-in plugins, each found through the ``crm.plugins`` entry point group."""
