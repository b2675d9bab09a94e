"""Air waybills: airline AWB stock, the master (MAWB) and house (HAWB) waybills a committed
flight plan builds for each flight, their versions, the MAWB/HAWB and cargo manifest PDFs and
the same data as IATA ONE Record JSON-LD."""
