"""Load planning inside one flight: bags into ULDs (packing.py), ULDs onto the aircraft's deck
positions with the centre of gravity inside the type's envelope (placement.py), per-type balance
data from aircraft_balance.csv (aircraft.py) and the envelope picture (picture.py).

Pure Python and OR-Tools: no Django, so the hub's services, the load sheet and tests call the
same kernel with plain numbers."""
