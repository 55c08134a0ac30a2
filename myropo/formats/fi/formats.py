DATE_FORMAT = "j.n.Y"
SHORT_DATE_FORMAT = "j.n.Y"
DATETIME_FORMAT = "j.n.Y G.i"
SHORT_DATETIME_FORMAT = "j.n.Y G.i"
TIME_FORMAT = "G.i"
MONTH_DAY_FORMAT = "j.n."
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"]
