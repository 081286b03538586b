"""Apple Podcasts' category list and the languages offered for shows.

From ../shared/docs/feed-standards.md (Apple's list since 2019; values are exact strings).
"""

from __future__ import annotations

APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {  # fmt: skip
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": (
        "Careers",
        "Entrepreneurship",
        "Investing",
        "Management",
        "Marketing",
        "Non-Profit",
    ),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": (
        "Alternative Health",
        "Fitness",
        "Medicine",
        "Mental Health",
        "Nutrition",
        "Sexuality",
    ),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": (
        "Animation & Manga",
        "Automotive",
        "Aviation",
        "Crafts",
        "Games",
        "Hobbies",
        "Home & Garden",
        "Video Games",
    ),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": (
        "Business News",
        "Daily News",
        "Entertainment News",
        "News Commentary",
        "Politics",
        "Sports News",
        "Tech News",
    ),
    "Religion & Spirituality": (
        "Buddhism",
        "Christianity",
        "Hinduism",
        "Islam",
        "Judaism",
        "Religion",
        "Spirituality",
    ),
    "Science": (
        "Astronomy",
        "Chemistry",
        "Earth Sciences",
        "Life Sciences",
        "Mathematics",
        "Natural Sciences",
        "Nature",
        "Physics",
        "Social Sciences",
    ),
    "Society & Culture": (
        "Documentary",
        "Personal Journals",
        "Philosophy",
        "Places & Travel",
        "Relationships",
    ),
    "Sports": (
        "Baseball",
        "Basketball",
        "Cricket",
        "Fantasy Sports",
        "Football",
        "Golf",
        "Hockey",
        "Rugby",
        "Running",
        "Soccer",
        "Swimming",
        "Tennis",
        "Volleyball",
        "Wilderness",
        "Wrestling",
    ),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}

CATEGORY_CHOICES = [(name, name) for name in APPLE_CATEGORIES]
SUBCATEGORY_CHOICES = [("", "(none)")] + [
    (sub, f"{category} › {sub}") for category, subs in APPLE_CATEGORIES.items() for sub in subs
]
# ISO 639-1 codes, the form RSS <language> takes; a region can follow (en-GB) in the free field.
LANGUAGE_CHOICES = [
    ("en", "English"), ("en-GB", "English (UK)"), ("en-US", "English (US)"), ("de", "German"),
    ("fr", "French"), ("es", "Spanish"), ("it", "Italian"), ("nl", "Dutch"), ("pt", "Portuguese"),
    ("sv", "Swedish"), ("da", "Danish"), ("nb", "Norwegian"), ("fi", "Finnish"), ("pl", "Polish"),
    ("ja", "Japanese"), ("zh", "Chinese"), ("ko", "Korean"), ("hi", "Hindi"), ("ar", "Arabic"),
]  # fmt: skip


def check_category(category: str, subcategory: str) -> str | None:
    """A message when the pair is not on Apple's list, else None."""
    if category not in APPLE_CATEGORIES:
        return f"'{category}' is not an Apple Podcasts category."
    if subcategory and subcategory not in APPLE_CATEGORIES[category]:
        return f"'{subcategory}' is not a subcategory of {category} in Apple's list."
    return None
