"""nbgrader's exchange, as the course configures it (`c.ExchangeFactory`)."""
