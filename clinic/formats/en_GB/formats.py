"""British dates with the 24-hour clock the clinic's diary and staff use ("14:30",
not "2:30 p.m."). Django takes every other format from its own en_GB module."""

TIME_FORMAT = "H:i"  # '14:30'
DATETIME_FORMAT = "j M Y, H:i"  # '25 Oct 2006, 14:30'
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # '25/10/2006 14:30'
