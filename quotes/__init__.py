"""Quotes beside the news: price and 涨跌幅 on a stock's page, from an outside provider
asked by the server (provider.py), off unless QUOTES_URL is set."""
