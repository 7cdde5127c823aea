-- wrk: POST /api/classify with one MR-DS-01 observation (bench/server_bench.sh).
wrk.method = "POST"
wrk.path = "/api/classify"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"timestamp": "2026-09-01", "instrument_type": "MUNI", "yield_curve_slope_10y2y": 0.6, "mmd_ust_ratio_10y": 0.72, "vix_index": 16.5, "move_index": 95.0, "investment_grade_credit_spread": 0.85, "high_yield_credit_spread": 3.1, "tips_breakeven_5y": 2.3, "swap_spread_10y": -0.3, "muni_fund_flows_net": 0.5, "us_cpi_yoy": 2.8}'
