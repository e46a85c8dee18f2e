"""Building models from data: lexicons, the pair (channel) model and the detector."""
