"""The offline engine's learned readings: where wording varies without end (is this a prospect at
all, who decides, is there a need, is the money real), a small linear model over word and
character n-grams reads what phrase lists miss. Rules stay where rules are exact (amounts,
currencies, periods, calendar arithmetic).

`features` turns a transcript into the text the models read, `model` loads the trained models
once per process and answers, `training` fits them from labelled conversations
(`manage.py train_qualifier`).
"""
