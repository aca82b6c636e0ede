"""The chat layer: a discord.py bot (and a terminal console) over the `index` package.

Data flows one way: the index answers a query, `bot.commands` turns the answer into a
neutral reply object, `bot.render` turns that into Discord embeds or plain text.
"""
