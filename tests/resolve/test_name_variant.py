"""Tables of real spelling variants of common names, in Latin, Arabic and Cyrillic script.

Each group lists spellings of one name met in lists, passports and the press; every spelling
must score at least ``SAME`` against the first (most already share its key). The negative
pairs are different names that look alike and must score below ``DIFFERENT``. All entries
are generic given names or nisbas, not people.
"""

from __future__ import annotations

import itertools

import pytest

from backchannel.resolve import NameToken, parse_name, token_similarity

SAME = 0.8
DIFFERENT = 0.75

VARIANTS: list[tuple[str, ...]] = [
    ("Muhammad", "Mohammed", "Mohamad", "Mohamed", "Muhammed", "Mohammad", "محمد", "Мухаммад"),
    ("Ahmad", "Ahmed", "Achmad", "أحمد", "احمد", "إحمد", "Ахмед"),
    ("Usama", "Osama", "Oussama", "Ousama", "Usamah", "أسامة", "اسامه"),
    ("Yusuf", "Youssef", "Yousef", "Yusef", "Youcef", "Yousif", "يوسف", "Юсуф"),
    ("Husayn", "Hussein", "Hussain", "Houssein", "Hossein", "Husain", "Hocine", "حسين", "Хусейн"),
    ("Hasan", "Hassan", "Hassen", "Hacen", "حسن", "Хасан"),
    ("Abd al-Rahman", "Abdul Rahman", "Abdelrahman", "Abdurrahman", "Abderrahmane"),
    ("Abd al-Rahman", "Abd ar-Rahman", "Abdourahmane", "Abdul-Rahman", "Abdirahman"),
    ("Abd al-Rahman", "عبد الرحمن", "عبدالرحمن", "عبد الرحمان", "Абдурахман", "Abdurakhman"),
    ("Abd Allah", "Abdallah", "Abdullah", "Abdellah", "Abdulla", "عبد الله", "عبدالله"),
    ("Abd al-Aziz", "Abdulaziz", "Abdelaziz", "Abdul Aziz", "عبد العزيز"),
    ("Abd al-Qadir", "Abdelkader", "Abdulqadir", "Abdel Kader", "Abdul Qadir", "عبد القادر"),
    ("Khalid", "Khaled", "Khaleed", "خالد", "Халид"),
    ("Umar", "Omar", "Omer", "Umer", "عمر", "Умар"),
    ("Uthman", "Othman", "Osman", "Othmane", "Usman", "عثمان"),
    ("Zawahiri", "Zawahri", "Zawahiry", "al-Zawahiri", "az-Zawahiri", "الظواهري"),
    ("Huthi", "Houthi", "al-Houthi", "الحوثي"),
    ("Tayr", "Teir", "Tair"),
    ("Qasim", "Kassem", "Gasim", "Kacem", "Qassem", "Kasim", "قاسم"),
    ("Dhahabi", "Zahabi", "Thahabi", "al-Dhahabi", "الذهبي"),
    ("Shawqi", "Chaouki", "Shawki", "Chawki", "شوقي"),
    ("Nur al-Din", "Noureddine", "Nureddin", "Nuruddin", "Nour Eddine", "Nur ad-Din"),
    ("Nur al-Din", "Nourredine", "نور الدين", "نورالدين"),
    ("Salah al-Din", "Salahuddin", "Salaheddine", "Salah ad-Din", "Salah Eddine", "صلاح الدين"),
    ("Jamal", "Gamal", "Djamel", "Jamel", "جمال"),
    ("Ibrahim", "Ebrahim", "Ibraheem", "Brahim", "إبراهيم", "Ибрагим"),
    ("Hamza", "Hamzah", "Hamsa", "حمزة", "حمزه"),
    ("Mustafa", "Moustafa", "Mostafa", "Mustapha", "مصطفى", "مصطفي"),
    ("Fatima", "Fatimah", "Fatma", "Fatemeh", "فاطمة", "فاطمه"),
    ("Aisha", "Aicha", "Ayesha", "A'isha", "عائشة"),
    ("Said", "Saeed", "Sayed", "Saied", "سعيد"),
    ("Saad", "Sa'd", "Saʿd", "سعد"),
    ("Ismail", "Ismael", "Smail", "Esmail", "إسماعيل"),
    ("Walid", "Waleed", "Oualid", "Walied", "وليد"),
    ("Ziyad", "Ziad", "زياد"),
    ("Marwan", "Marouane", "Merouane", "مروان"),
    ("Dawud", "Dawood", "Daoud", "Daud", "داود"),
    ("Shami", "ash-Shami", "al-Shami", "Chami", "Shamy", "الشامي", "El Chami"),
    ("Salih", "Saleh", "صالح"),
    ("Bilal", "Bilel", "Belal", "بلال"),
    ("Tariq", "Tarek", "Tareq", "Tarik", "طارق"),
    ("Idris", "Driss", "Idriss", "إدريس"),
    ("Faysal", "Faisal", "Fayçal", "Feisal", "فيصل"),
    ("Muadh", "Moaz", "Mouad", "Muath", "Mu'adh", "معاذ"),
    ("Hisham", "Hicham", "Hesham", "هشام"),
    ("Rashid", "Rachid", "Rasheed", "رشيد"),
    ("Karim", "Kareem", "Kerim", "كريم"),
    ("Nasir", "Nasser", "Nacer", "Naser", "ناصر"),
    ("Yahya", "Yahia", "Yehya", "يحيى", "يحيي"),
    ("Zakariya", "Zakaria", "Zakariyya", "Zacharia", "زكريا"),
    ("Sulayman", "Suleiman", "Sulaiman", "Soliman", "سليمان", "Сулейман"),
    ("Hudhayfa", "Huthaifa", "Houdaifa", "Hudaifa", "حذيفة"),
    ("Jafar", "Ja'far", "Djafar", "Jaafar", "جعفر"),
    ("Haytham", "Haitham", "Haythem", "Heitham", "هيثم"),
    ("Abu Bakr", "Aboubakr", "Abubakar", "Abou Bakr", "Abu Bakar", "أبو بكر", "ابوبكر"),
    ("Magomed", "Магомед"),
    ("Ruslan", "Руслан"),
    ("Shamil", "Шамиль", "Chamil"),
    ("Tawil", "al-Tawil", "Taweel", "Taouil", "الطويل"),
    ("Dulaymi", "Dulaimi", "Dleimi", "al-Dulaimi", "الدليمي"),
    ("Halabi", "al-Halabi", "Alhalabi", "Halaby", "الحلبي"),
]


def _token(text: str) -> NameToken:
    name = parse_name(text)
    assert len(name.tokens) == 1, (text, name.tokens)
    return name.tokens[0]


def _variant_pairs() -> list[tuple[str, str]]:
    return [(group[0], other) for group in VARIANTS for other in group[1:]]


@pytest.mark.parametrize(("a", "b"), _variant_pairs())
def test_variants_score_high(a: str, b: str) -> None:
    ta, tb = _token(a), _token(b)
    assert token_similarity(ta, tb) >= SAME, (ta, tb)


def test_most_variants_share_the_key() -> None:
    pairs = _variant_pairs()
    shared = [a for a, b in pairs if _token(a).key == _token(b).key]
    # Measured 0.87 when written; exact-key lookups find most variants without fuzziness.
    assert len(shared) / len(pairs) >= 0.8


NOT_THE_SAME = [
    ("Ali", "Alia"),
    ("Ali", "Ala"),
    ("Alia", "Ala"),
    ("Hasan", "Husayn"),
    ("Hassan", "Hussein"),
    ("حسن", "حسين"),
    ("حسن", "Hussein"),
    ("Khalid", "Khalil"),
    ("خالد", "Khalil"),
    ("Omar", "Amer"),
    ("Omar", "Amir"),
    ("Umar", "Amr"),
    ("عمر", "عامر"),
    ("عمر", "Amr"),
    ("Said", "Saad"),
    ("سعيد", "سعد"),
    ("Karim", "Kamil"),
    ("Ahmed", "Hamid"),
    ("Mahmoud", "Mohammed"),
    ("Jamal", "Kamal"),
    ("Zayd", "Ziyad"),
    ("Yasin", "Yasir"),
    ("Amin", "Ayman"),
    ("Samir", "Sami"),
    ("Hamza", "Hafsa"),
    ("Abu Bakr", "Bakr"),
    ("Abd al-Rahman", "Abd al-Rahim"),
    ("Nur al-Din", "Nur"),
    ("Umm Yusuf", "Yusuf"),
]


@pytest.mark.parametrize(("a", "b"), NOT_THE_SAME)
def test_different_names_score_low(a: str, b: str) -> None:
    ta, tb = _token(a), _token(b)
    assert token_similarity(ta, tb) < DIFFERENT, (ta, tb)


def test_keys_of_different_names_rarely_collide() -> None:
    # Distinct names across the table: how many share a key with another name.
    firsts = {g[0]: _token(g[0]).key for g in VARIANTS}
    collisions = [
        (a, b) for (a, ka), (b, kb) in itertools.combinations(firsts.items(), 2) if ka == kb
    ]
    # Abd al-Rahman appears in several groups; every other collision is a real one.
    real = [(a, b) for a, b in collisions if a != b]
    assert len(real) <= 1, real
