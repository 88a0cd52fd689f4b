# placeholder: see the module
