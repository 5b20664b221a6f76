"""Name elements for fictional people: Arabic script plus the Latin spellings seen in the wild.

Every element lists its Latin forms in a fixed order so a source's habits can prefer one:
index 0 is a scholarly romanisation (ALA-LC without diacritics), 1 the common English press form,
2 the French/Maghrebi form, and the rest other spellings met in lists and documents. The elements
are common words and names, not people; persons are random combinations of them.

Nisbas strongly tied to well-known militants' noms de guerre are deliberately absent, and
:data:`RESERVED_NOMS_DE_GUERRE` lists the remaining kunya + nisba pairs the generator must not
compose, so no generated alias names a real person.
"""

from __future__ import annotations

from dataclasses import dataclass

# Arabic letters that assimilate the article's lam (al-Shams → ash-Shams).
SUN_LETTERS = frozenset("تثدذرزسشصضطظلن")


@dataclass(frozen=True, slots=True)
class Word:
    """One name element.

    ``arabic`` is empty for elements that have no Arabic-script form (Caucasian, Turkish and
    European surnames); a name containing one is never given an Arabic-script rendering.
    ``article``: written with the definite article (nisbas, laqabs), ``al-Halabi``.
    ``country``: ISO code of the place a nisba or family name points to, empty if generic.
    """

    arabic: str
    latin: tuple[str, ...]
    weight: float = 1.0
    article: bool = False
    country: str = ""

    @property
    def sun(self) -> bool:
        """Whether the article assimilates before this word (ad-Dayri, ash-Shami)."""
        return bool(self.arabic) and self.arabic[0] in SUN_LETTERS


def _w(arabic: str, *latin: str, weight: float = 1.0) -> Word:
    return Word(arabic, latin, weight)


def _n(arabic: str, *latin: str, country: str = "") -> Word:
    return Word(arabic, latin, 1.0, article=True, country=country)


def _f(arabic: str, *latin: str, country: str = "") -> Word:
    return Word(arabic, latin, 1.0, article=False, country=country)


def _onset(latin: str) -> str:
    """The consonant an assimilated article doubles: ``sh`` for Shami, ``r`` for Rahman."""
    low = latin.lower()
    return low[:2] if low[:2] in ("sh", "th", "dh") else low[:1]


def _abd(arabic_root: str, root: str, french: str, *, weight: float = 1.0) -> Word:
    """A theophoric ``Abd al-X`` name with its many spellings (Abdul X, Abdelx, Abdurrahman)."""
    sun = arabic_root[0] in SUN_LETTERS
    c = _onset(root)
    low = root.lower()
    forms = [
        f"Abd al-{root}",
        f"Abdul {root}",
        f"Abde{c}{french.lower()}" if sun else f"Abdel{french.lower()}",
        f"Abd a{c}-{root}" if sun else f"Abd el-{root}",
        f"Abdul{low}",
        f"Abdel {root}",
        f"Abdel{low}",
        f"Abdu{c}{low}" if sun else f"Abd Al {root}",
    ]
    unique = tuple(dict.fromkeys(forms))
    return Word("عبد ال" + arabic_root, unique, weight)


GIVEN_MALE: tuple[Word, ...] = (
    _w("محمد", "Muhammad", "Mohammed", "Mohamed", "Mohamad", "Mohammad", "Muhammed", weight=14),
    _w("أحمد", "Ahmad", "Ahmed", "Ahmed", "Ahmet", "Achmad", weight=8),
    _w("محمود", "Mahmud", "Mahmoud", "Mahmoud", "Mahmood", weight=4),
    _w("مصطفى", "Mustafa", "Mustafa", "Moustafa", "Mostafa", "Mustapha", weight=3),
    _w("علي", "Ali", "Ali", "Ali", "Aly", weight=6),
    _w("عمر", "Umar", "Omar", "Omar", "Omer", "Umer", weight=5),
    _w("عثمان", "Uthman", "Othman", "Othmane", "Osman", "Usman", weight=2),
    _w("أسامة", "Usama", "Osama", "Oussama", "Ousama", "Usamah", weight=3),
    _w("يوسف", "Yusuf", "Yousef", "Youssef", "Yousif", "Youcef", "Yusef", weight=4),
    _w("إبراهيم", "Ibrahim", "Ibrahim", "Brahim", "Ebrahim", "Ibraheem", weight=4),
    _w("إسماعيل", "Ismail", "Ismail", "Smail", "Ismael", "Esmail", weight=2),
    _w("يحيى", "Yahya", "Yahya", "Yahia", "Yehia", "Yehya", weight=2),
    _w("عيسى", "Isa", "Issa", "Aissa", "Eisa"),
    _w("موسى", "Musa", "Mousa", "Moussa", "Mussa"),
    _w("هارون", "Harun", "Haroun", "Haroun", "Haroon"),
    _w("سليمان", "Sulayman", "Suleiman", "Slimane", "Sulaiman", "Soliman", weight=2),
    _w("داود", "Dawud", "Dawood", "Daoud", "Daud", "Dawoud"),
    _w("إدريس", "Idris", "Idris", "Driss", "Idriss"),
    _w("خالد", "Khalid", "Khalid", "Khaled", "Khaleed", weight=4),
    _w("وليد", "Walid", "Waleed", "Oualid", "Walied", weight=2),
    _w("سعيد", "Said", "Saeed", "Said", "Saied", "Sayed", weight=3),
    _w("سعد", "Sa'd", "Saad", "Saad", "Saed", "Sad"),
    _w("حمزة", "Hamza", "Hamza", "Hamza", "Hamzah", "Hamsa", weight=3),
    _w("حسن", "Hasan", "Hassan", "Hassan", "Hacen", "Hassen", weight=4),
    _w("حسين", "Husayn", "Hussein", "Hocine", "Hussain", "Husain", "Hossein", weight=3),
    _w("عباس", "Abbas", "Abbas", "Abbes", "Abas"),
    _w("جعفر", "Ja'far", "Jafar", "Djafar", "Jaafar", "Jaffar"),
    _w("طارق", "Tariq", "Tariq", "Tarek", "Tareq", "Tarik", weight=2),
    _w("زياد", "Ziyad", "Ziad", "Ziad", "Zied", "Ziyaad", weight=2),
    _w("زكريا", "Zakariya", "Zakaria", "Zakaria", "Zakariyya", "Zacharia"),
    _w("بلال", "Bilal", "Bilal", "Bilel", "Belal", weight=2),
    _w("أنس", "Anas", "Anas", "Anes", "Anass"),
    _w("عمرو", "Amr", "Amr", "Amrou", "Amro"),
    _w("عامر", "Amir", "Amer", "Amer", "Aamer", "Ameer"),
    _w("عادل", "Adil", "Adel", "Adel", "Adil", weight=2),
    _w("جمال", "Jamal", "Jamal", "Djamel", "Gamal", "Jamel", weight=2),
    _w("كمال", "Kamal", "Kamal", "Kamel", "Kemal"),
    _w("نبيل", "Nabil", "Nabil", "Nabil", "Nabeel"),
    _w("فيصل", "Faysal", "Faisal", "Fayçal", "Faycal", "Feisal"),
    _w("فهد", "Fahd", "Fahad", "Fahd", "Fahed"),
    _w("صالح", "Salih", "Saleh", "Saleh", "Salih", "Swaleh", weight=2),
    _w("صلاح", "Salah", "Salah", "Salah", "Slah"),
    _w("رشيد", "Rashid", "Rashid", "Rachid", "Rasheed", "Racheed", weight=2),
    _w("ماجد", "Majid", "Majed", "Majed", "Maged"),
    _w("حامد", "Hamid", "Hamed", "Hamed", "Hamid"),
    _w("هيثم", "Haytham", "Haitham", "Haythem", "Heitham"),
    _w("مروان", "Marwan", "Marwan", "Marouane", "Merouane"),
    _w("قاسم", "Qasim", "Qassem", "Kacem", "Kassem", "Kasim"),
    _w("هشام", "Hisham", "Hisham", "Hicham", "Hesham", weight=2),
    _w("عماد", "Imad", "Imad", "Imad", "Emad"),
    _w("إياد", "Iyad", "Eyad", "Iyed", "Iyadh"),
    _w("نزار", "Nizar", "Nizar", "Nizar", "Nezar"),
    _w("أيمن", "Ayman", "Ayman", "Aymen", "Aiman", weight=2),
    _w("أنور", "Anwar", "Anwar", "Anouar", "Anwer"),
    _w("كريم", "Karim", "Kareem", "Karim", "Kerim", weight=2),
    _w("منصور", "Mansur", "Mansour", "Mansour", "Mansoor"),
    _w("ناصر", "Nasir", "Nasser", "Nacer", "Naser"),
    _w("معاذ", "Mu'adh", "Muath", "Mouad", "Moaz", "Muadh", weight=2),
    _w("حذيفة", "Hudhayfa", "Huthaifa", "Houdaifa", "Hudaifa"),
    _w("عبيدة", "Ubayda", "Obaida", "Oubaida", "Ubaidah"),
    _w("صهيب", "Suhayb", "Sohaib", "Souhaib", "Suhaib"),
    _w("طلحة", "Talha", "Talha", "Talha", "Talhah"),
    _w("قتيبة", "Qutayba", "Qutaiba", "Koutaiba", "Qutaybah"),
    _w("عبد الله", "Abd Allah", "Abdullah", "Abdallah", "Abdellah", "Abdulla", weight=5),
    _w("نور الدين", "Nur al-Din", "Nour al-Din", "Noureddine", "Nur ad-Din", "Nuruddin"),
    _w("صلاح الدين", "Salah al-Din", "Salahuddin", "Salaheddine", "Salah ad-Din", "Salah Eddine"),
    _w("عز الدين", "Izz al-Din", "Izzeddin", "Azzedine", "Izz ad-Din", "Ezzeddine"),
    _w("سيف الدين", "Sayf al-Din", "Saif al-Din", "Seifeddine", "Sayf ad-Din", "Saifuddin"),
    _w("خير الدين", "Khayr al-Din", "Khair al-Din", "Kheireddine", "Khairuddin"),
    _w("علاء الدين", "Ala al-Din", "Alaa al-Din", "Alaeddine", "Alaa Eddine", "Aladdin"),
    _w("بدر الدين", "Badr al-Din", "Badruddin", "Badreddine", "Badr ad-Din"),
    _abd("رحمن", "Rahman", "Rahmane", weight=3),
    _abd("رحيم", "Rahim", "Rahim"),
    _abd("عزيز", "Aziz", "Aziz", weight=2),
    _abd("كريم", "Karim", "Krim"),
    _abd("قادر", "Qadir", "Kader", weight=2),
    _abd("لطيف", "Latif", "Latif"),
    _abd("حليم", "Halim", "Halim"),
    _abd("مجيد", "Majid", "Majid"),
    _abd("حميد", "Hamid", "Hamid"),
    _abd("سلام", "Salam", "Salam"),
    _abd("وهاب", "Wahhab", "Wahab"),
    _abd("رزاق", "Razzaq", "Razak"),
    _abd("إله", "Ilah", "Ilah"),
    _abd("هادي", "Hadi", "Hadi"),
    _abd("جليل", "Jalil", "Jalil"),
    _abd("باسط", "Basit", "Basset"),
    _abd("غني", "Ghani", "Ghani"),
)

GIVEN_FEMALE: tuple[Word, ...] = (
    _w("فاطمة", "Fatima", "Fatima", "Fatma", "Fatimah", "Fatema", weight=4),
    _w("عائشة", "A'isha", "Aisha", "Aicha", "Ayesha", "Aysha", weight=3),
    _w("خديجة", "Khadija", "Khadija", "Khadidja", "Khadeeja", weight=2),
    _w("مريم", "Maryam", "Mariam", "Meryem", "Maryem", weight=3),
    _w("زينب", "Zaynab", "Zainab", "Zeineb", "Zeinab", weight=2),
    _w("أسماء", "Asma'", "Asma", "Asmaa", "Esma"),
    _w("حفصة", "Hafsa", "Hafsa", "Hafsa", "Hafsah"),
    _w("سمية", "Sumayya", "Sumaya", "Soumaya", "Somaya"),
    _w("صفية", "Safiyya", "Safia", "Safia", "Safiya"),
    _w("نور", "Nur", "Noor", "Nour", "Nur"),
    _w("أمينة", "Amina", "Amina", "Amina", "Aminah", "Amena"),
    _w("هناء", "Hana'", "Hanaa", "Hana", "Hanaa"),
    _w("رانيا", "Raniya", "Rania", "Rania", "Ranya"),
    _w("سلمى", "Salma", "Salma", "Selma", "Salmaa"),
    _w("ليلى", "Layla", "Leila", "Leila", "Laila", "Layla"),
)

# Kunya elements that are not usually given names ("Abu Bakr", "Abu Turab").
KUNYA_ONLY: tuple[Word, ...] = (
    _w("بكر", "Bakr", "Bakr", "Bakr", "Bakar"),
    _w("حفص", "Hafs", "Hafs", "Hafs", "Hafes"),
    _w("دجانة", "Dujana", "Dujana", "Dojana", "Dujanah"),
    _w("تراب", "Turab", "Turab", "Tourab", "Torab"),
    _w("قتادة", "Qatada", "Qatada", "Katada", "Qatadah"),
    _w("هريرة", "Hurayra", "Huraira", "Houraira", "Hurairah"),
    _w("مصعب", "Mus'ab", "Musab", "Moussab", "Mosab"),
    _w("خطاب", "Khattab", "Khattab", "Khattab", "Khatab"),
    _w("جندل", "Jandal", "Jandal", "Jandal", "Jendal"),
)

# Place-derived nisbas, tagged with the country of the place.
NISBAS_PLACE: tuple[Word, ...] = (
    _n("حلبي", "Halabi", "Halabi", "Halabi", "Halaby", country="SY"),
    _n("حمصي", "Himsi", "Homsi", "Homsi", "Hemsi", country="SY"),
    _n("حموي", "Hamawi", "Hamawi", "Hamaoui", "Hamwi", country="SY"),
    _n("إدلبي", "Idlibi", "Idlibi", "Edlebi", "Idlebi", country="SY"),
    _n("ديري", "Dayri", "Deiri", "Deiri", "Dairi", country="SY"),
    _n("رقاوي", "Raqqawi", "Raqqawi", "Rakkaoui", "Rakkawi", country="SY"),
    _n("دمشقي", "Dimashqi", "Dimashqi", "Dimachki", "Damashqi", country="SY"),
    _n("شامي", "Shami", "Shami", "Chami", "Shamy", country="SY"),
    _n("جسري", "Jisri", "Jisri", "Jisri", "Jesri", country="SY"),
    _n("موصلي", "Mawsili", "Mosuli", "Moussili", "Mousli", "Mosulli", country="IQ"),
    _n("بصري", "Basri", "Basri", "Basri", "Basry", country="IQ"),
    _n("فلوجي", "Falluji", "Falluji", "Fallouji", "Faluji", country="IQ"),
    _n("كركوكي", "Kirkuki", "Kirkuki", "Kerkouki", "Karkuki", country="IQ"),
    _n("حديثي", "Hadithi", "Hadithi", "Hadithi", "Haditha'i", country="IQ"),
    _n("عاني", "Ani", "Ani", "Aani", "Aany", country="IQ"),
    _n("راوي", "Rawi", "Rawi", "Raoui", "Rawy", country="IQ"),
    _n("تلعفري", "Tal'afari", "Talafari", "Tallafari", "Telafari", country="IQ"),
    _n("رمادي", "Ramadi", "Ramadi", "Ramadi", "Rumadi", country="IQ"),
    _n("نجدي", "Najdi", "Najdi", "Nejdi", "Nagdi", country="SA"),
    _n("حجازي", "Hijazi", "Hijazi", "Hejazi", "Higazi", country="SA"),
    _n("تبوكي", "Tabuki", "Tabuki", "Tabouki", "Tabooki", country="SA"),
    _n("إربدي", "Irbidi", "Irbidi", "Irbidi", "Erbidi", country="JO"),
    _n("كركي", "Karaki", "Karaki", "Karaki", "Kerki", country="JO"),
    _n("معاني", "Ma'ani", "Maani", "Maani", "Ma'aani", country="JO"),
    _n("سلطي", "Salti", "Salti", "Salti", "Saltee", country="JO"),
    _n("إسكندراني", "Iskandarani", "Iskandarani", "Eskandarani", "Skandrani", country="EG"),
    _n("منياوي", "Minyawi", "Minyawi", "Minyaoui", "Menyawi", country="EG"),
    _n("سويسي", "Suwaysi", "Suweisi", "Souissi", "Sweisi", country="EG"),
    _n("مصراتي", "Misrati", "Misrati", "Misrati", "Misurati", country="LY"),
    _n("درناوي", "Darnawi", "Darnawi", "Darnaoui", "Dernawi", country="LY"),
    _n("طرابلسي", "Tarabulsi", "Trabulsi", "Trabelsi", "Tarablusi", country="LY"),
    _n("قيرواني", "Qayrawani", "Kairouani", "Kairouani", "Qairawani", country="TN"),
    _n("صفاقسي", "Safaqsi", "Sfaxi", "Sfaxi", "Sfaksi", country="TN"),
    _n("بنزرتي", "Binzarti", "Bizerti", "Benzarti", "Bizerti", country="TN"),
    _n("جربي", "Jarbi", "Jerbi", "Djerbi", "Jerbi", country="TN"),
    _n("فاسي", "Fasi", "Fassi", "Fassi", "Fasi", country="MA"),
    _n("ريفي", "Rifi", "Rifi", "Riffi", "Reefi", country="MA"),
    _n("تطواني", "Titwani", "Tetouani", "Tetouani", "Tatwani", country="MA"),
    _n("سوسي", "Susi", "Soussi", "Soussi", "Sousi", country="MA"),
)

# Tribal and other generic nisbas found across the region.
NISBAS_TRIBAL: tuple[Word, ...] = (
    _n("جبوري", "Juburi", "Jubouri", "Jbouri", "Jabouri", "Jubori"),
    _n("دليمي", "Dulaymi", "Dulaimi", "Dleimi", "Dulaimy"),
    _n("عبيدي", "Ubaydi", "Obaidi", "Obeidi", "Ubaidi"),
    _n("شمري", "Shammari", "Shammari", "Chammari", "Shamari"),
    _n("زبيدي", "Zubaydi", "Zubaidi", "Zoubaidi", "Zubeidi"),
    _n("حربي", "Harbi", "Harbi", "Harbi", "Harby"),
    _n("عتيبي", "Utaybi", "Otaibi", "Otaibi", "Oteibi"),
    _n("مطيري", "Mutayri", "Mutairi", "Moutairi", "Mutery"),
    _n("غامدي", "Ghamidi", "Ghamdi", "Ghamdi", "Ghamedi"),
    _n("زهراني", "Zahrani", "Zahrani", "Zahrani", "Zahranee"),
    _n("تميمي", "Tamimi", "Tamimi", "Tamimi", "Tamimy"),
    _n("جنابي", "Janabi", "Janabi", "Jenabi", "Jnabi"),
    _n("عزاوي", "Azzawi", "Azzawi", "Azzaoui", "Azawi"),
    _n("خزرجي", "Khazraji", "Khazraji", "Khazraji", "Khazragi"),
    _n("سامرائي", "Samarra'i", "Samarrai", "Samarrai", "Samarai"),
)

# "The Frenchman", "the German": what foreign fighters were called after their country.
NISBAS_FOREIGN: dict[str, Word] = {
    "FR": _n("فرنسي", "Faransi", "Faransi", "Fransi", "Firansi", country="FR"),
    "BE": _n("بلجيكي", "Baljiki", "Beljiki", "Belgiki", "Baljiky", country="BE"),
    "DE": _n("ألماني", "Almani", "Almani", "Almani", "Elmani", country="DE"),
    "GB": _n("بريطاني", "Britani", "Britani", "Baritani", "Bretani", country="GB"),
    "NL": _n("هولندي", "Hulandi", "Hollandi", "Hollandi", "Holandi", country="NL"),
    "SE": _n("سويدي", "Suwaydi", "Swedi", "Souedi", "Suwaidi", country="SE"),
    "DK": _n("دنماركي", "Danimarki", "Danmarki", "Danemarki", "Dinimarki", country="DK"),
    "AU": _n("أسترالي", "Ustrali", "Australi", "Ostrali", "Usturali", country="AU"),
    "RU": _n("روسي", "Rusi", "Rusi", "Roussi", "Russi", country="RU"),
    "TR": _n("تركي", "Turki", "Turki", "Turki", "Torki", country="TR"),
}

# Family names without the article, Maghrebi and Levantine.
FAMILY: tuple[Word, ...] = (
    _f("جبالي", "Jibali", "Jebali", "Jebali", "Jbeli", country="TN"),
    _f("حمامي", "Hammami", "Hammami", "Hammami", "Hamami", country="TN"),
    _f("زواري", "Zuwari", "Zouari", "Zouari", "Zwari", country="TN"),
    _f("مجري", "Majri", "Mejri", "Mejri", "Majri", country="TN"),
    _f("غربي", "Gharbi", "Gharbi", "Gharbi", "Garbi", country="TN"),
    _f("بناني", "Bannani", "Bennani", "Bennani", "Benani", country="MA"),
    _f("عمراني", "Amrani", "Amrani", "Amrani", "Omrani", country="MA"),
    _f("إدريسي", "Idrisi", "Idrissi", "Idrissi", "Drissi", country="MA"),
    _f("طاهري", "Tahiri", "Tahiri", "Tahiri", "Taheri", country="MA"),
    _f("علوي", "Alawi", "Alaoui", "Alaoui", "Alawy", country="MA"),
    _f("بوزيدي", "Buzidi", "Bouzidi", "Bouzidi", "Bouzid", country="MA"),
    _f("وزاني", "Wazzani", "Ouazzani", "Ouazzani", "Wazani", country="MA"),
    _f("شرايبي", "Sharaybi", "Chraibi", "Chraibi", "Sharaibi", country="MA"),
    _f("حداد", "Haddad", "Haddad", "Haddad", "Hadad"),
    _f("نجار", "Najjar", "Najjar", "Nejjar", "Najar"),
    _f("خطيب", "Khatib", "Khatib", "Khatib", "Khateeb"),
    _f("صباغ", "Sabbagh", "Sabbagh", "Sebbagh", "Sabagh"),
)

# Surnames with no Arabic-script form in the sources: North Caucasian and Turkish.
FAMILY_CAUCASUS: tuple[Word, ...] = tuple(
    _f("", name, name, name, alt, country="RU")
    for name, alt in (
        ("Magomedov", "Mahomedov"),
        ("Aliev", "Aliyev"),
        ("Khasanov", "Hasanov"),
        ("Saidov", "Saydov"),
        ("Gadzhiev", "Gadjiev"),
        ("Abdulaev", "Abdullaev"),
        ("Yusupov", "Yusoupov"),
        ("Ismailov", "Ismaylov"),
        ("Gasanov", "Hasanov"),
        ("Murtazaliev", "Murtazaliyev"),
    )
)
FAMILY_TURKISH: tuple[Word, ...] = tuple(
    _f("", name, ascii_, ascii_, ascii_, country="TR")
    for name, ascii_ in (
        ("Yılmaz", "Yilmaz"),
        ("Kaya", "Kaya"),
        ("Demir", "Demir"),
        ("Çelik", "Celik"),
        ("Şahin", "Sahin"),
        ("Yıldız", "Yildiz"),
        ("Aydın", "Aydin"),
        ("Öztürk", "Ozturk"),
    )
)

LAQABS: tuple[Word, ...] = (
    _n("طويل", "Tawil", "Taweel", "Taouil", "Tawil"),
    _n("قصير", "Qasir", "Qasir", "Kasir", "Qaseer"),
    _n("أشقر", "Ashqar", "Ashkar", "Achkar", "Ashqar"),
    _n("أسود", "Aswad", "Aswad", "Asouad", "Asswad"),
    _n("صغير", "Saghir", "Sagheer", "Seghir", "Sghir"),
    _n("أعرج", "A'raj", "Aaraj", "Aarej", "Araj"),
    _n("طبيب", "Tabib", "Tabeeb", "Tbib", "Tabib"),
    _n("معلم", "Mu'allim", "Moallem", "Mouallem", "Muallim"),
    _n("حاج", "Hajj", "Haj", "Hadj", "Hajji"),
    _n("شيخ", "Shaykh", "Sheikh", "Cheikh", "Shaikh"),
)

# Kunya + nisba pairs (as the scholarly forms of the two words) that belong to real, well-known
# people; composing one is refused and redrawn.
RESERVED_NOMS_DE_GUERRE = frozenset(
    {
        ("Talha", "Almani"),
        ("Husayn", "Britani"),
        ("Muhammad", "Shami"),
        ("Abd Allah", "Shami"),
    }
)

# European given names and surnames for converts' birth names, by nationality.
EUROPEAN: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "FR": (
        ("Julien", "Thomas", "Nicolas", "Kevin", "Maxime", "Romain", "Jérémy", "Florian"),
        ("Martin", "Bernard", "Dubois", "Lefebvre", "Moreau", "Girard", "Lambert", "Fontaine"),
    ),
    "BE": (
        ("Jonathan", "Bart", "Kevin", "Michaël", "Sébastien", "Pieter"),
        ("Peeters", "Janssens", "Maes", "Dupont", "Claes", "Wouters"),
    ),
    "DE": (
        ("Daniel", "Marco", "Dennis", "Florian", "Sven", "Christian"),
        ("Müller", "Schmidt", "Wagner", "Becker", "Hoffmann", "Schulz"),
    ),
    "GB": (
        ("James", "Daniel", "Ryan", "Luke", "Thomas", "Jack"),
        ("Smith", "Walker", "Hughes", "Carter", "Turner", "Evans"),
    ),
    "NL": (("Jeroen", "Sven", "Thijs", "Bram", "Ruben"), ("de Vries", "Bakker", "Visser", "Smit")),
    "SE": (("Johan", "Mikael", "Erik", "Oscar"), ("Andersson", "Nilsson", "Lindqvist", "Berg")),
    "DK": (("Mads", "Kasper", "Rasmus", "Jonas"), ("Jensen", "Nielsen", "Hansen", "Larsen")),
    "AU": (("Jack", "Lachlan", "Mitchell", "Ryan"), ("Wilson", "Taylor", "Brown", "Campbell")),
    "RU": (("Dmitri", "Ivan", "Aleksandr", "Sergei"), ("Ivanov", "Petrov", "Volkov", "Sokolov")),
}

# Given names converts most often took.
CONVERT_NAMES = (
    "عبد الله",
    "إبراهيم",
    "يوسف",
    "عمر",
    "بلال",
    "حمزة",
    "عيسى",
    "موسى",
    "سليمان",
    "عثمان",
)
