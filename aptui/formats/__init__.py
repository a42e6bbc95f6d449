"""Files in and out: scenario/ (the scenario file), output/ (what `aptui run` prints), real/ (the
real formats); here, what they share: input errors, atomic writes, printable text."""
