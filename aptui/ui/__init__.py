"""The full-screen console (Textual). Nothing below aptui.ui is imported by the model, the engine or the formats."""
