"""The 30 November *previsione di spesa*: continuing plans costed over the next period, per comune."""
