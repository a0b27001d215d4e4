"""Patient-style searches and the page that must come in the top three for each,
on the demo content (`python manage.py load_demo_content`).

Written as patients type: plain words, questions, typos and brand names. The
share found in the top three is reported in the README (Search).
"""

PLAIN = [
    ("ice pick scars", "ice-pick-scars"),
    ("microneedling", "microneedling"),
    ("fractional laser", "fractional-laser"),
    ("punch excision", "punch-excision"),
    ("chemical peel", "chemical-peel"),
    ("dermabrasion", "dermabrasion"),
    ("microdermabrasion", "microdermabrasion"),
    ("radiofrequency", "radiofrequency"),
    ("TCA CROSS", "tca-cross"),
    ("punch grafting", "punch-replacement-grafting"),
    ("punch elevation", "punch-elevation"),
    ("laser resurfacing", "laser-resurfacing"),
    ("acne scars", "ice-pick-scars"),
    ("collagen", "microneedling"),
    ("skin graft", "punch-replacement-grafting"),
]

QUESTIONS = [
    ("how long is the downtime after laser", "fractional-laser"),
    ("does microneedling hurt", "microneedling"),
    ("can i wear makeup after microneedling", "microneedling"),
    ("how many sessions of fractional laser do i need", "fractional-laser"),
    ("what causes ice pick scars", "ice-pick-scars"),
    ("do home remedies work for ice pick scars", "ice-pick-scars"),
    ("does accutane help scars", "ice-pick-scars"),
    ("is a dermaroller the same as microneedling", "microneedling"),
    ("how long does a chemical peel take to heal", "chemical-peel"),
    ("what is tca cross", "tca-cross"),
    ("will punch excision leave a scar", "punch-excision"),
    ("how can i prevent acne scars", "ice-pick-scars"),
    ("is laser resurfacing painful", "laser-resurfacing"),
    ("how far apart are microneedling sessions", "microneedling"),
]

TYPOS = [
    ("lazer", "fractional-laser"),
    ("micronedling", "microneedling"),
    ("microneedeling", "microneedling"),
    ("dermabraision", "dermabrasion"),
    ("fractionel lazer", "fractional-laser"),
    ("ice pik scars", "ice-pick-scars"),
    ("chemcial peel", "chemical-peel"),
    ("isotretinion", "ice-pick-scars"),
    ("punch exicision", "punch-excision"),
    ("radiofrequncy", "radiofrequency"),
]

BRANDS_AND_OTHER_NAMES = [
    ("dermaroller", "microneedling"),
    ("accutane", "ice-pick-scars"),
    ("isotretinoin", "ice-pick-scars"),
    ("skin needling", "microneedling"),
    ("needling", "microneedling"),
    ("RF", "radiofrequency"),
    ("radio frequency", "radiofrequency"),
    ("CO2 laser", "laser-resurfacing"),
    ("dermapen", "microneedling"),
    ("roaccutane", "ice-pick-scars"),
]

QUERIES = PLAIN + QUESTIONS + TYPOS + BRANDS_AND_OTHER_NAMES
