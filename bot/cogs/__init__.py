"""One discord.py extension per feature; `bot.app.COGS` lists the ones loaded."""
