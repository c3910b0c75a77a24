"""The demand forecast (docs/forecast.md): states read from the care history
(`sufficiency.forecast.states`), the stock-and-flow model (`model`) and the forecast as measures
(`measures`). Pure numpy and pandas, like the indicator engine."""
