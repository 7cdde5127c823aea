#!/usr/bin/env python3
"""scikit-learn's RandomForestRegressor (100 trees, depth 6, all features per split) fitted on
train.csv (y, x1..xp) and evaluated on test.csv; prints the test predictions, one per line.
usage: /usr/bin/python3 reference_forest.py train.csv test.csv"""
import sys

import pandas as pd
from sklearn.ensemble import RandomForestRegressor

train = pd.read_csv(sys.argv[1])
test = pd.read_csv(sys.argv[2])
features = [c for c in train.columns if c.startswith("x")]
model = RandomForestRegressor(n_estimators=100, max_depth=6, max_features=1.0, n_jobs=1, random_state=0)
model.fit(train[features].to_numpy(), train["y"].to_numpy())
for value in model.predict(test[features].to_numpy()):
    print(repr(float(value)))
