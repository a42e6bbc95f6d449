"""The main screen, the help screen and the modal forms."""
