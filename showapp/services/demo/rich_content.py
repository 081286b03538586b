"""Chapters, transcripts and soundbites for some demo episodes. Pure data, like content.py.

The demo audio is a chime melody of a few seconds, so the parts are short too: rich.py spreads
the transcript lines and chapters over the audio's real length, on its note boundaries.
"""

from __future__ import annotations

from typing import TypedDict


class RichData(TypedDict):
    chapters: list[str]
    # (speaker, words) in order; one cue each.
    transcript: list[tuple[str, str]]
    soundbite: str


HOST = "Nadia Brennan"

RICH_EPISODES: dict[str, RichData] = {
    "the-person-who-says-your-name": {
        "chapters": [
            "Welcome",
            "The red pen",
            "Mentor or sponsor?",
            "The meeting she missed",
        ],
        "transcript": [
            (HOST, "Welcome back to Mentors and Sponsors. Today: Mei-Lin Chen."),
            ("Mei-Lin Chen", "Thanks, Nadia. I brought the red pen, as promised."),
            (HOST, "So who taught you the law, and who made you a partner?"),
            ("Mei-Lin Chen", "Two different people. My mentor told me what to do."),
            ("Mei-Lin Chen", "My sponsor told everyone else what I had done."),
            (HOST, "And you only heard about that meeting later."),
            ("Mei-Lin Chen", "Six months later. That is how sponsorship usually works."),
        ],
        "soundbite": "A sponsor tells others what you did",
    },
    "advice-you-can-act-on": {
        "chapters": [
            "Welcome",
            "Advice that goes nowhere",
            "A question with a deadline",
            "Writing it down",
        ],
        "transcript": [
            (HOST, "Amara Okafor, welcome to the show."),
            ("Amara Okafor", "Glad to be here. I have opinions about advice."),
            (HOST, "Let's start with 'be more strategic'."),
            ("Amara Okafor", "It sounds wise, and you cannot do anything with it on Monday."),
            ("Amara Okafor", "So I bring a decision, not a problem, to every session."),
            (HOST, "What changes when you do that?"),
            ("Amara Okafor", "The mentor can say yes, no, or 'have you asked finance'."),
            ("Amara Okafor", "And I write the answer down before I leave the room."),
        ],
        "soundbite": "Bring a decision, not a problem",
    },
    "the-apprentice-who-taught-the-plant-manager": {
        "chapters": [
            "Welcome",
            "The night shift",
            "Reverse mentoring",
            "What the plant kept",
        ],
        "transcript": [
            (HOST, "Kenji Watanabe runs a plant with four hundred people."),
            ("Kenji Watanabe", "And one apprentice who taught me the most."),
            (HOST, "How did that start?"),
            ("Kenji Watanabe", "On a night shift, with a machine nobody could restart."),
            ("Kenji Watanabe", "She could. I asked her to teach me, every Thursday."),
            (HOST, "Is that still going?"),
            ("Kenji Watanabe", "Every Thursday, for three years now."),
        ],
        "soundbite": "Every Thursday, for three years",
    },
}
