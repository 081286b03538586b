"""The advice loop, host side: advice marked in episodes (pieces), what pages and feeds show of
it (public), the hosts' follow-ups, and mentor/sponsor links between guests.

Listener reports and mentor stories are written elsewhere; here they are only read, approved
ones only, for the pages that show them under the advice.
"""
