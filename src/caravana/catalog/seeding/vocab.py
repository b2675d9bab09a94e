"""Vocabularies for the seed catalogue: categories, what their products are called in Spanish,
Brazilian Portuguese, English and Simplified Chinese, and the distributions their prices, weights
and sizes are drawn from.

Every phrase is a 4-tuple in the order of LANGS: (es, pt-BR, en, zh-Hans). Titles are written
the way cross-border listings are ("Fone de ouvido bluetooth TWS com microfone"): kind first,
then selling points, so the same template reads naturally in the three Latin-script languages.
The numbers are illustrative, chosen to look like the trade (a silicone case costs a few yuan,
earphones a hundred), not statistics of any marketplace. No power banks: they are standalone
lithium batteries, which the network refuses (catalog.sellable), so nobody may list them.
"""

from __future__ import annotations

from dataclasses import dataclass

# Field suffixes, in the order every phrase tuple uses.
LANGS: tuple[str, ...] = ("es", "pt_br", "en", "zh_hans")

Phrase = tuple[str, str, str, str]


@dataclass(frozen=True)
class Top:
    slug: str
    names: Phrase


@dataclass(frozen=True)
class Leaf:
    slug: str
    parent: str
    names: Phrase
    hs_codes: tuple[str, ...]
    battery: str  # none / in_equipment / standalone (catalog.models.BatteryType)
    kinds: tuple[Phrase, ...]  # what the product is; starts the title
    features: tuple[Phrase, ...]  # selling points appended to the title
    uses: tuple[Phrase, ...]  # a sentence for the description
    materials: tuple[Phrase, ...]
    price_cny: float  # median price in CNY (log-normal)
    price_sigma: float
    weight_g: float  # median shipping weight in grams (log-normal)
    weight_sigma: float
    dims_cm: tuple[float, float, float]  # typical packed length, width, height
    options: str  # "colour", "colour+size", "colour+model", "shade"
    weight: int  # relative share of the catalogue
    sku: str  # SKU prefix


TOPS: tuple[Top, ...] = (
    Top(
        "phone-accessories",
        ("Accesorios para celular", "Acessórios para celular", "Phone accessories", "手机配件"),
    ),
    Top("audio", ("Audio", "Áudio", "Audio", "影音设备")),
    Top("apparel", ("Ropa", "Roupas", "Apparel", "服装")),
    Top("toys", ("Juguetes", "Brinquedos", "Toys", "玩具")),
    Top("home", ("Hogar y cocina", "Casa e cozinha", "Home and kitchen", "家居厨房")),
    Top("beauty", ("Belleza", "Beleza", "Beauty", "美妆个护")),
)

PHONE_MODELS: tuple[str, ...] = (
    "iPhone 16",
    "iPhone 16 Pro",
    "iPhone 15",
    "iPhone 15 Pro Max",
    "iPhone 14",
    "iPhone 13",
    "Galaxy S24",
    "Galaxy S24 Ultra",
    "Galaxy A55",
    "Galaxy A35",
    "Galaxy A15",
    "Redmi Note 13",
    "Redmi 13C",
    "Xiaomi 14",
    "Poco X6",
    "Moto G84",
    "Moto G54",
    "Moto E14",
)

_NOISE = ("con cancelación de ruido", "com cancelamento de ruído", "noise cancelling", "主动降噪")
_MIC = ("con micrófono", "com microfone", "with microphone", "带麦克风")
_WATER = ("resistente al agua IPX5", "à prova d'água IPX5", "IPX5 waterproof", "IPX5防水")
_SILICONE = ("silicona", "silicone", "silicone", "硅胶")
_PLASTIC = ("plástico ABS", "plástico ABS", "ABS plastic", "ABS塑料")
_TPU = ("TPU flexible", "TPU flexível", "flexible TPU", "柔性TPU")
_ALU = ("aluminio", "alumínio", "aluminium", "铝合金")
_NYLON = ("nailon trenzado", "nylon trançado", "braided nylon", "尼龙编织")
_COTTON = ("algodón 100 %", "100% algodão", "100% cotton", "100%纯棉")
_POLY = ("poliéster", "poliéster", "polyester", "涤纶")
_CERAMIC = ("cerámica", "cerâmica", "ceramic", "陶瓷")
_STEEL = ("acero inoxidable 304", "aço inoxidável 304", "304 stainless steel", "304不锈钢")
_PP = ("polipropileno", "polipropileno", "polypropylene", "聚丙烯")

LEAVES: tuple[Leaf, ...] = (
    Leaf(
        "phone-cases",
        "phone-accessories",
        ("Fundas para celular", "Capinhas para celular", "Phone cases", "手机壳"),
        ("392690", "420232"),
        "none",
        kinds=(
            ("Funda de silicona", "Capinha de silicone", "Silicone phone case", "硅胶手机壳"),
            ("Funda antigolpes", "Capinha anti-impacto", "Shockproof phone case", "防摔手机壳"),
            ("Funda transparente", "Capinha transparente", "Clear phone case", "透明手机壳"),
            (
                "Funda cartera de cuero",
                "Capinha carteira de couro",
                "Leather wallet case",
                "皮革钱包手机壳",
            ),
            (
                "Funda magnética MagSafe",
                "Capinha magnética MagSafe",
                "MagSafe magnetic case",
                "MagSafe磁吸手机壳",
            ),
        ),
        features=(
            ("ultradelgada", "ultrafina", "ultra slim", "超薄"),
            (
                "con protector de cámara",
                "com proteção de câmera",
                "with camera protection",
                "镜头全包",
            ),
            ("tacto suave", "toque macio", "soft touch", "亲肤手感"),
            ("bordes reforzados", "cantos reforçados", "reinforced corners", "四角加厚"),
            ("con soporte", "com suporte", "with kickstand", "带支架"),
        ),
        uses=(
            (
                "Protege tu celular de caídas y rayones del día a día.",
                "Protege seu celular contra quedas e arranhões do dia a dia.",
                "Protects your phone from everyday drops and scratches.",
                "有效防护日常跌落与刮擦。",
            ),
            (
                "Ajuste exacto con recortes precisos para botones y puertos.",
                "Encaixe perfeito com recortes precisos para botões e entradas.",
                "Exact fit with precise cut-outs for buttons and ports.",
                "精准开孔，按键接口贴合。",
            ),
        ),
        materials=(_SILICONE, _TPU, ("cuero sintético", "couro sintético", "faux leather", "PU皮")),
        price_cny=12,
        price_sigma=0.5,
        weight_g=35,
        weight_sigma=0.3,
        dims_cm=(19, 11, 2),
        options="colour+model",
        weight=16,
        sku="CS",
    ),
    Leaf(
        "cables",
        "phone-accessories",
        ("Cables USB", "Cabos USB", "USB cables", "数据线"),
        ("854442",),
        "none",
        kinds=(
            (
                "Cable USB-C a USB-C",
                "Cabo USB-C para USB-C",
                "USB-C to USB-C cable",
                "USB-C转USB-C数据线",
            ),
            (
                "Cable USB-C de carga rápida",
                "Cabo USB-C de carregamento rápido",
                "USB-C fast charging cable",
                "USB-C快充数据线",
            ),
            ("Cable Lightning", "Cabo Lightning", "Lightning cable", "苹果Lightning数据线"),
            ("Cable 3 en 1", "Cabo 3 em 1", "3-in-1 charging cable", "一拖三数据线"),
        ),
        features=(
            ("60 W", "60 W", "60 W", "60W"),
            ("100 W", "100 W", "100 W", "100W"),
            ("1 metro", "1 metro", "1 m", "1米"),
            ("2 metros", "2 metros", "2 m", "2米"),
            ("de nailon trenzado", "de nylon trançado", "braided", "编织线"),
        ),
        uses=(
            (
                "Carga y transfiere datos de forma rápida y segura.",
                "Carrega e transfere dados de forma rápida e segura.",
                "Charges and syncs data quickly and safely.",
                "快速安全地充电与传输数据。",
            ),
        ),
        materials=(_NYLON, ("PVC", "PVC", "PVC", "PVC")),
        price_cny=15,
        price_sigma=0.5,
        weight_g=50,
        weight_sigma=0.35,
        dims_cm=(13, 9, 2),
        options="colour",
        weight=8,
        sku="CB",
    ),
    Leaf(
        "chargers",
        "phone-accessories",
        ("Cargadores", "Carregadores", "Chargers", "充电器"),
        ("850440",),
        "none",
        kinds=(
            (
                "Cargador de pared USB-C",
                "Carregador de parede USB-C",
                "USB-C wall charger",
                "USB-C充电头",
            ),
            ("Cargador rápido GaN", "Carregador turbo GaN", "GaN fast charger", "氮化镓快充充电器"),
            ("Cargador para auto", "Carregador veicular", "Car charger", "车载充电器"),
            ("Cargador inalámbrico", "Carregador sem fio", "Wireless charger", "无线充电器"),
        ),
        features=(
            ("20 W", "20 W", "20 W", "20W"),
            ("65 W", "65 W", "65 W", "65W"),
            ("2 puertos", "2 portas", "2 ports", "双口"),
            ("PD 3.0", "PD 3.0", "PD 3.0", "PD3.0协议"),
            ("compacto", "compacto", "compact", "小巧便携"),
        ),
        uses=(
            (
                "Carga tu celular al 50 % en unos 30 minutos.",
                "Carrega seu celular até 50% em cerca de 30 minutos.",
                "Charges your phone to 50% in about 30 minutes.",
                "约30分钟充至50%。",
            ),
        ),
        materials=(
            _PLASTIC,
            (
                "policarbonato ignífugo",
                "policarbonato antichama",
                "flame-retardant polycarbonate",
                "阻燃PC",
            ),
        ),
        price_cny=45,
        price_sigma=0.5,
        weight_g=95,
        weight_sigma=0.35,
        dims_cm=(9, 7, 5),
        options="colour",
        weight=7,
        sku="CH",
    ),
    Leaf(
        "earphones",
        "audio",
        ("Audífonos", "Fones de ouvido", "Earphones", "耳机"),
        ("851830",),
        "in_equipment",
        kinds=(
            ("Audífonos bluetooth", "Fone de ouvido bluetooth", "Bluetooth earphones", "蓝牙耳机"),
            (
                "Audífonos inalámbricos TWS",
                "Fone de ouvido sem fio TWS",
                "TWS wireless earbuds",
                "TWS真无线耳机",
            ),
            (
                "Auriculares bluetooth deportivos",
                "Fone de ouvido esportivo bluetooth",
                "Sport bluetooth earphones",
                "运动蓝牙耳机",
            ),
            (
                "Audífonos de diadema bluetooth",
                "Fone de ouvido headphone bluetooth",
                "Bluetooth headphones",
                "头戴式蓝牙耳机",
            ),
            (
                "Audífonos de conducción ósea",
                "Fone de condução óssea",
                "Bone conduction headphones",
                "骨传导耳机",
            ),
        ),
        features=(
            _NOISE,
            _MIC,
            _WATER,
            ("batería de 30 h", "bateria de 30 h", "30 h battery", "30小时续航"),
            ("bluetooth 5.3", "bluetooth 5.3", "bluetooth 5.3", "蓝牙5.3"),
            ("bajos potentes", "graves potentes", "deep bass", "重低音"),
        ),
        uses=(
            (
                "Sonido claro para música, llamadas y videos, con emparejamiento automático.",
                "Som nítido para música, chamadas e vídeos, com pareamento automático.",
                "Clear sound for music, calls and videos, with automatic pairing.",
                "音质清晰，适合音乐、通话和视频，开盖自动配对。",
            ),
            (
                "Estuche de carga incluido con batería de litio integrada.",
                "Estojo de carga incluído com bateria de lítio integrada.",
                "Charging case included, with a built-in lithium battery.",
                "附充电仓，内置锂电池。",
            ),
        ),
        materials=(_PLASTIC, _SILICONE),
        price_cny=80,
        price_sigma=0.7,
        weight_g=70,
        weight_sigma=0.45,
        dims_cm=(10, 9, 4),
        options="colour",
        weight=14,
        sku="EP",
    ),
    Leaf(
        "speakers",
        "audio",
        ("Bocinas", "Caixas de som", "Speakers", "音箱"),
        ("851822",),
        "in_equipment",
        kinds=(
            (
                "Bocina bluetooth portátil",
                "Caixa de som bluetooth portátil",
                "Portable bluetooth speaker",
                "便携蓝牙音箱",
            ),
            (
                "Parlante bluetooth",
                "Caixinha de som bluetooth",
                "Mini bluetooth speaker",
                "迷你蓝牙音箱",
            ),
            ("Barra de sonido", "Soundbar", "Soundbar", "回音壁音箱"),
        ),
        features=(
            _WATER,
            ("con luces RGB", "com luzes RGB", "with RGB lights", "RGB灯效"),
            ("20 W", "20 W", "20 W", "20W"),
            ("radio FM", "rádio FM", "FM radio", "FM收音"),
            ("batería de 12 h", "bateria de 12 h", "12 h battery", "12小时续航"),
        ),
        uses=(
            (
                "Sonido potente para la casa, la playa o una fiesta.",
                "Som potente para casa, praia ou festa.",
                "Big sound for home, beach or party.",
                "大音量，居家、户外、聚会皆宜。",
            ),
        ),
        materials=(
            _PLASTIC,
            ("tela y plástico", "tecido e plástico", "fabric and plastic", "布艺+塑料"),
        ),
        price_cny=120,
        price_sigma=0.6,
        weight_g=480,
        weight_sigma=0.5,
        dims_cm=(20, 10, 10),
        options="colour",
        weight=5,
        sku="SP",
    ),
    Leaf(
        "t-shirts",
        "apparel",
        ("Camisetas", "Camisetas", "T-shirts", "T恤"),
        ("610910", "610990"),
        "none",
        kinds=(
            ("Camiseta básica", "Camiseta básica", "Basic T-shirt", "基础款T恤"),
            ("Camiseta oversize", "Camiseta oversized", "Oversized T-shirt", "宽松落肩T恤"),
            ("Playera estampada", "Camiseta estampada", "Graphic T-shirt", "印花T恤"),
        ),
        features=(
            ("cuello redondo", "gola redonda", "crew neck", "圆领"),
            ("manga corta", "manga curta", "short sleeve", "短袖"),
            ("unisex", "unissex", "unisex", "男女同款"),
            ("de verano", "de verão", "summer", "夏季"),
        ),
        uses=(
            (
                "Cómoda y fresca para todos los días.",
                "Confortável e fresca para o dia a dia.",
                "Comfortable and cool for every day.",
                "舒适透气，日常百搭。",
            ),
        ),
        materials=(_COTTON, _POLY),
        price_cny=35,
        price_sigma=0.4,
        weight_g=190,
        weight_sigma=0.2,
        dims_cm=(30, 25, 2),
        options="colour+size",
        weight=9,
        sku="TS",
    ),
    Leaf(
        "sweaters",
        "apparel",
        ("Suéteres y sudaderas", "Blusas de frio e moletons", "Sweaters and hoodies", "卫衣毛衣"),
        ("611020", "611030"),
        "none",
        kinds=(
            ("Sudadera con capucha", "Moletom com capuz", "Hoodie", "连帽卫衣"),
            ("Suéter de punto", "Suéter de tricô", "Knit sweater", "针织毛衣"),
            ("Cárdigan", "Cardigã", "Cardigan", "开衫"),
        ),
        features=(
            ("unisex", "unissex", "unisex", "男女同款"),
            ("de invierno", "de inverno", "winter", "冬季"),
            ("afelpada", "flanelado", "fleece-lined", "加绒"),
        ),
        uses=(
            (
                "Abriga sin pesar, ideal para el otoño y el invierno.",
                "Aquece sem pesar, ideal para o outono e o inverno.",
                "Warm without weight, made for autumn and winter.",
                "轻盈保暖，适合秋冬。",
            ),
        ),
        materials=(_COTTON, _POLY, ("acrílico", "acrílico", "acrylic", "腈纶")),
        price_cny=85,
        price_sigma=0.45,
        weight_g=450,
        weight_sigma=0.25,
        dims_cm=(35, 30, 5),
        options="colour+size",
        weight=5,
        sku="SW",
    ),
    Leaf(
        "dresses",
        "apparel",
        ("Vestidos", "Vestidos", "Dresses", "连衣裙"),
        ("620442", "620443"),
        "none",
        kinds=(
            ("Vestido midi", "Vestido midi", "Midi dress", "中长款连衣裙"),
            ("Vestido floral", "Vestido floral", "Floral dress", "碎花连衣裙"),
            ("Vestido de fiesta", "Vestido de festa", "Party dress", "礼服裙"),
        ),
        features=(
            ("de verano", "de verão", "summer", "夏季"),
            ("manga corta", "manga curta", "short sleeve", "短袖"),
            ("con cinturón", "com cinto", "with belt", "配腰带"),
        ),
        uses=(
            (
                "Corte favorecedor y tela ligera.",
                "Caimento elegante e tecido leve.",
                "Flattering cut and a light fabric.",
                "版型显瘦，面料轻薄。",
            ),
        ),
        materials=(_COTTON, _POLY),
        price_cny=95,
        price_sigma=0.5,
        weight_g=300,
        weight_sigma=0.25,
        dims_cm=(32, 26, 3),
        options="colour+size",
        weight=5,
        sku="DR",
    ),
    Leaf(
        "trousers",
        "apparel",
        ("Pantalones", "Calças", "Trousers", "裤子"),
        ("620462", "620463"),
        "none",
        kinds=(
            ("Pantalón de mezclilla", "Calça jeans", "Denim jeans", "牛仔裤"),
            ("Pantalón cargo", "Calça cargo", "Cargo trousers", "工装裤"),
            ("Pantalón de pierna ancha", "Calça pantalona", "Wide-leg trousers", "阔腿裤"),
        ),
        features=(
            ("tiro alto", "cintura alta", "high waist", "高腰"),
            ("elástico", "com elastano", "stretch", "弹力"),
            ("con bolsillos", "com bolsos", "with pockets", "多口袋"),
        ),
        uses=(
            (
                "Cómodo para el trabajo y el fin de semana.",
                "Confortável para o trabalho e o fim de semana.",
                "Comfortable at work and at the weekend.",
                "通勤休闲两相宜。",
            ),
        ),
        materials=(_COTTON, _POLY),
        price_cny=75,
        price_sigma=0.45,
        weight_g=420,
        weight_sigma=0.25,
        dims_cm=(35, 28, 4),
        options="colour+size",
        weight=5,
        sku="TR",
    ),
    Leaf(
        "dolls-figures",
        "toys",
        ("Muñecas y figuras", "Bonecas e bonecos", "Dolls and figures", "玩偶手办"),
        ("950300",),
        "none",
        kinds=(
            ("Peluche", "Pelúcia", "Plush toy", "毛绒玩具"),
            ("Muñeca articulada", "Boneca articulada", "Fashion doll", "关节娃娃"),
            ("Figura de acción", "Boneco de ação", "Action figure", "可动人偶"),
        ),
        features=(
            ("30 cm", "30 cm", "30 cm", "30厘米"),
            ("para niños", "infantil", "for kids", "儿童"),
            ("de colección", "colecionável", "collectible", "收藏级"),
        ),
        uses=(
            (
                "Un regalo ideal para cumpleaños y Navidad.",
                "Um presente ideal para aniversário e Natal.",
                "A perfect gift for birthdays and Christmas.",
                "生日圣诞礼物首选。",
            ),
        ),
        materials=(_POLY, ("vinilo", "vinil", "vinyl", "搪胶")),
        price_cny=40,
        price_sigma=0.7,
        weight_g=260,
        weight_sigma=0.5,
        dims_cm=(25, 12, 8),
        options="colour",
        weight=5,
        sku="DF",
    ),
    Leaf(
        "building-blocks",
        "toys",
        ("Bloques de construcción", "Blocos de montar", "Building blocks", "积木"),
        ("950300",),
        "none",
        kinds=(
            ("Bloques de construcción", "Blocos de montar", "Building blocks set", "拼装积木"),
            ("Set de bloques magnéticos", "Blocos magnéticos", "Magnetic tiles set", "磁力片"),
        ),
        features=(
            ("500 piezas", "500 peças", "500 pieces", "500颗粒"),
            ("educativo", "educativo", "educational", "益智"),
            (
                "compatible con marcas líderes",
                "compatível com marcas líderes",
                "compatible with major brands",
                "兼容大颗粒",
            ),
        ),
        uses=(
            (
                "Estimula la creatividad y la motricidad fina.",
                "Estimula a criatividade e a coordenação motora.",
                "Builds creativity and fine motor skills.",
                "锻炼动手能力与创造力。",
            ),
        ),
        materials=(_PLASTIC,),
        price_cny=70,
        price_sigma=0.7,
        weight_g=520,
        weight_sigma=0.5,
        dims_cm=(28, 20, 7),
        options="colour",
        weight=3,
        sku="BB",
    ),
    Leaf(
        "board-games",
        "toys",
        ("Juegos de mesa", "Jogos de tabuleiro", "Board games", "桌游"),
        ("950490",),
        "none",
        kinds=(
            (
                "Juego de mesa familiar",
                "Jogo de tabuleiro familiar",
                "Family board game",
                "家庭桌游",
            ),
            ("Juego de cartas", "Jogo de cartas", "Card game", "卡牌游戏"),
            ("Ajedrez magnético", "Xadrez magnético", "Magnetic chess set", "磁性国际象棋"),
        ),
        features=(
            ("2 a 6 jugadores", "2 a 6 jogadores", "2-6 players", "2-6人"),
            ("para toda la familia", "para toda a família", "for the whole family", "全家同乐"),
        ),
        uses=(
            (
                "Horas de diversión en casa.",
                "Horas de diversão em casa.",
                "Hours of fun at home.",
                "居家娱乐好伙伴。",
            ),
        ),
        materials=(("cartón", "papelão", "cardboard", "纸板"), _PLASTIC),
        price_cny=45,
        price_sigma=0.5,
        weight_g=650,
        weight_sigma=0.35,
        dims_cm=(30, 30, 6),
        options="colour",
        weight=2,
        sku="BG",
    ),
    Leaf(
        "tableware",
        "home",
        ("Vajilla", "Louça", "Tableware", "餐具"),
        ("691200", "691110"),
        "none",
        kinds=(
            ("Taza de cerámica", "Caneca de cerâmica", "Ceramic mug", "陶瓷马克杯"),
            ("Juego de platos", "Jogo de pratos", "Dinner plate set", "餐盘套装"),
            ("Tazón para cereal", "Tigela", "Cereal bowl", "陶瓷碗"),
        ),
        features=(
            ("350 ml", "350 ml", "350 ml", "350毫升"),
            ("apto para microondas", "pode ir ao micro-ondas", "microwave safe", "可微波"),
            ("estilo nórdico", "estilo nórdico", "Nordic style", "北欧风"),
        ),
        uses=(
            (
                "Resistente, fácil de lavar y apto para lavavajillas.",
                "Resistente, fácil de lavar e pode ir à lava-louças.",
                "Sturdy, easy to clean and dishwasher safe.",
                "结实耐用，可洗碗机清洗。",
            ),
        ),
        materials=(_CERAMIC, ("porcelana", "porcelana", "porcelain", "骨瓷")),
        price_cny=30,
        price_sigma=0.6,
        weight_g=420,
        weight_sigma=0.45,
        dims_cm=(15, 15, 11),
        options="colour",
        weight=4,
        sku="TW",
    ),
    Leaf(
        "kitchenware",
        "home",
        ("Utensilios de cocina", "Utensílios de cozinha", "Kitchenware", "厨房用具"),
        ("732393", "392410"),
        "none",
        kinds=(
            (
                "Termo de acero inoxidable",
                "Garrafa térmica de aço inox",
                "Stainless steel flask",
                "不锈钢保温杯",
            ),
            (
                "Set de utensilios de cocina",
                "Kit de utensílios de cozinha",
                "Cooking utensil set",
                "厨具套装",
            ),
            ("Lonchera hermética", "Marmita hermética", "Airtight lunch box", "密封饭盒"),
        ),
        features=(
            ("500 ml", "500 ml", "500 ml", "500毫升"),
            ("sin BPA", "livre de BPA", "BPA free", "不含BPA"),
            ("a prueba de fugas", "à prova de vazamento", "leak-proof", "防漏"),
        ),
        uses=(
            (
                "Práctico para la cocina, la oficina y la escuela.",
                "Prático para a cozinha, o escritório e a escola.",
                "Handy in the kitchen, at the office and at school.",
                "厨房、办公、上学都实用。",
            ),
        ),
        materials=(_STEEL, _PP),
        price_cny=40,
        price_sigma=0.6,
        weight_g=360,
        weight_sigma=0.4,
        dims_cm=(28, 10, 8),
        options="colour",
        weight=4,
        sku="KW",
    ),
    Leaf(
        "storage",
        "home",
        ("Organizadores", "Organizadores", "Storage and organisers", "收纳整理"),
        ("392490",),
        "none",
        kinds=(
            ("Caja organizadora", "Caixa organizadora", "Storage box", "收纳盒"),
            ("Organizador de cajón", "Organizador de gaveta", "Drawer organiser", "抽屉收纳格"),
            ("Cesto plegable", "Cesto dobrável", "Foldable basket", "折叠收纳筐"),
        ),
        features=(
            ("apilable", "empilhável", "stackable", "可叠加"),
            ("con tapa", "com tampa", "with lid", "带盖"),
            ("20 litros", "20 litros", "20 L", "20升"),
        ),
        uses=(
            (
                "Mantén el orden en el clóset, la cocina o el baño.",
                "Mantenha a ordem no armário, na cozinha ou no banheiro.",
                "Keeps wardrobe, kitchen or bathroom tidy.",
                "衣柜、厨房、浴室收纳好帮手。",
            ),
        ),
        materials=(_PP, _PLASTIC),
        price_cny=22,
        price_sigma=0.6,
        weight_g=320,
        weight_sigma=0.45,
        dims_cm=(26, 18, 12),
        options="colour",
        weight=4,
        sku="ST",
    ),
    Leaf(
        "makeup",
        "beauty",
        ("Maquillaje", "Maquiagem", "Make-up", "彩妆"),
        ("330499", "330420", "330410"),
        "none",
        kinds=(
            ("Labial mate", "Batom matte", "Matte lipstick", "哑光口红"),
            ("Paleta de sombras", "Paleta de sombras", "Eyeshadow palette", "眼影盘"),
            ("Base líquida", "Base líquida", "Liquid foundation", "粉底液"),
            ("Máscara de pestañas", "Máscara de cílios", "Mascara", "睫毛膏"),
        ),
        features=(
            ("larga duración", "longa duração", "long-lasting", "持久"),
            ("a prueba de agua", "à prova d'água", "waterproof", "防水"),
            ("vegano", "vegano", "vegan", "纯素"),
        ),
        uses=(
            (
                "Textura ligera y color intenso que dura todo el día.",
                "Textura leve e cor intensa que dura o dia todo.",
                "Light texture, rich colour that lasts all day.",
                "质地轻薄，显色持久。",
            ),
        ),
        materials=(
            (
                "fórmula sin parabenos",
                "fórmula sem parabenos",
                "paraben-free formula",
                "无防腐剂配方",
            ),
        ),
        price_cny=28,
        price_sigma=0.6,
        weight_g=70,
        weight_sigma=0.4,
        dims_cm=(11, 5, 4),
        options="shade",
        weight=5,
        sku="MU",
    ),
    Leaf(
        "nails",
        "beauty",
        ("Uñas", "Unhas", "Nail care", "美甲"),
        ("330430",),
        "none",
        kinds=(
            ("Esmalte de uñas en gel", "Esmalte em gel", "Gel nail polish", "甲油胶"),
            ("Kit de manicure", "Kit de manicure", "Manicure kit", "美甲套装"),
        ),
        features=(
            ("secado UV", "secagem UV", "UV curing", "UV固化"),
            ("15 ml", "15 ml", "15 ml", "15毫升"),
        ),
        uses=(
            (
                "Brillo profesional en casa.",
                "Brilho de salão em casa.",
                "Salon shine at home.",
                "在家做出沙龙级美甲。",
            ),
        ),
        materials=(("resina", "resina", "resin", "树脂"),),
        price_cny=12,
        price_sigma=0.5,
        weight_g=45,
        weight_sigma=0.4,
        dims_cm=(9, 4, 4),
        options="shade",
        weight=2,
        sku="NL",
    ),
    Leaf(
        "skincare",
        "beauty",
        ("Cuidado de la piel", "Cuidados com a pele", "Skin care", "护肤"),
        ("330499",),
        "none",
        kinds=(
            ("Sérum facial", "Sérum facial", "Face serum", "精华液"),
            ("Crema hidratante", "Creme hidratante", "Moisturising cream", "保湿面霜"),
            ("Mascarillas faciales", "Máscaras faciais", "Sheet masks", "面膜"),
        ),
        features=(
            ("con ácido hialurónico", "com ácido hialurônico", "with hyaluronic acid", "玻尿酸"),
            ("vitamina C", "vitamina C", "vitamin C", "维C"),
            ("para piel sensible", "para pele sensível", "for sensitive skin", "敏感肌适用"),
        ),
        uses=(
            (
                "Hidratación profunda para una piel luminosa.",
                "Hidratação profunda para uma pele radiante.",
                "Deep hydration for radiant skin.",
                "深层补水，焕亮肌肤。",
            ),
        ),
        materials=(
            (
                "fórmula dermatológicamente probada",
                "fórmula dermatologicamente testada",
                "dermatologically tested formula",
                "经皮肤测试配方",
            ),
        ),
        price_cny=45,
        price_sigma=0.6,
        weight_g=150,
        weight_sigma=0.4,
        dims_cm=(12, 6, 5),
        options="shade",
        weight=3,
        sku="SK",
    ),
)

COLOURS: tuple[Phrase, ...] = (
    ("negro", "preto", "Black", "黑色"),
    ("blanco", "branco", "White", "白色"),
    ("azul", "azul", "Blue", "蓝色"),
    ("rosa", "rosa", "Pink", "粉色"),
    ("verde", "verde", "Green", "绿色"),
    ("gris", "cinza", "Grey", "灰色"),
    ("rojo", "vermelho", "Red", "红色"),
    ("morado", "roxo", "Purple", "紫色"),
    ("beige", "bege", "Beige", "米色"),
)
SIZES: tuple[str, ...] = ("S", "M", "L", "XL", "XXL")
SHADES: tuple[str, ...] = ("01 Nude", "02 Rose", "03 Coral", "04 Berry", "05 Ruby", "06 Mocha")

BRANDS: tuple[str, ...] = (
    "Lumiq",
    "Voxa",
    "Kairo",
    "Zentek",
    "Orbly",
    "Novamo",
    "Tesseri",
    "Yunfei",
    "Haixin",
    "Miloo",
    "Qiaofeng",
    "Aurevo",
    "Brisko",
    "Caldi",
    "Dunmo",
    "Elvora",
    "Fenjoy",
    "Gotu",
    "Hexley",
    "Jinmo",
    "Kuvi",
    "Lanko",
    "Mevo",
    "Nuvio",
    "Pandi",
    "Ritmo",
    "Solara",
    "Tovi",
    "Urbo",
    "Wenli",
)

FEATURES_LABEL: Phrase = ("Características", "Características", "Features", "产品特点")
MATERIAL_LABEL: Phrase = ("Material", "Material", "Material", "材质")
COLOURS_LABEL: Phrase = (
    "Colores disponibles",
    "Cores disponíveis",
    "Available colours",
    "可选颜色",
)
FOR_MODEL: Phrase = ("para {}", "para {}", "for {}", "适用于{}")
SHIPS_FROM: Phrase = (
    "Enviado desde {}, China, en envío consolidado con seguimiento puerta a puerta.",
    "Enviado de {}, China, em remessa consolidada com rastreamento até a sua porta.",
    "Ships from {}, China, consolidated with door-to-door tracking.",
    "从{}发货，集运直达，全程可追踪。",
)
EXTRAS: tuple[Phrase, ...] = (
    ("Garantía de 90 días.", "Garantia de 90 dias.", "90-day warranty.", "90天质保。"),
    (
        "Control de calidad antes del envío.",
        "Controle de qualidade antes do envio.",
        "Quality-checked before shipping.",
        "发货前逐件质检。",
    ),
    (
        "Precio con impuestos de importación incluidos al pagar.",
        "Preço com impostos de importação incluídos no checkout.",
        "Import duties and taxes included at checkout.",
        "结算时含进口关税。",
    ),
    ("Más vendido de la tienda.", "Mais vendido da loja.", "Store best-seller.", "店铺热销。"),
    ("Empaque ecológico.", "Embalagem ecológica.", "Eco-friendly packaging.", "环保包装。"),
)


@dataclass(frozen=True)
class City:
    name: str
    zh: str
    region: str  # administrative division code used in the USCC
    industries: tuple[str, ...]
    area_code: str


CITIES: tuple[City, ...] = (
    City(
        "Shenzhen",
        "深圳",
        "440300",
        ("Electronics", "Technology", "Digital Technology", "Audio Technology", "Trading"),
        "755",
    ),
    City(
        "Guangzhou",
        "广州",
        "440100",
        ("Garment", "Cosmetics", "Trading", "Leather Goods", "Apparel"),
        "20",
    ),
    City(
        "Yiwu",
        "义乌",
        "330782",
        ("Commodity", "Toys", "Household Products", "Import and Export", "Crafts"),
        "579",
    ),
    City(
        "Hangzhou",
        "杭州",
        "330100",
        ("E-commerce", "Household Products", "Textile", "Trading", "Technology"),
        "571",
    ),
)

# Pinyin syllables for trade names ("Huaqiang", "Xinda", ...).
SYLLABLES: tuple[str, ...] = (
    "hua",
    "qiang",
    "xin",
    "da",
    "jia",
    "he",
    "heng",
    "tai",
    "rui",
    "mei",
    "ya",
    "hao",
    "yu",
    "jin",
    "feng",
    "long",
    "sheng",
    "bai",
    "cheng",
    "tian",
    "yi",
    "yuan",
    "hang",
    "kang",
    "ming",
    "yang",
    "shun",
    "fa",
    "hong",
    "li",
    "chuang",
    "wei",
    "bo",
    "tong",
    "xing",
    "an",
    "fu",
    "guang",
    "hui",
    "lian",
)
SURNAMES: tuple[str, ...] = (
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Hu",
    "Guo",
    "He",
    "Lin",
    "Luo",
    "Zheng",
)
GIVEN: tuple[str, ...] = (
    "Wei",
    "Fang",
    "Min",
    "Jing",
    "Lei",
    "Yan",
    "Jun",
    "Hui",
    "Ping",
    "Qiang",
    "Xiu",
    "Tao",
    "Ling",
    "Hao",
    "Yue",
    "Bin",
    "Na",
    "Kai",
)
STORE_WORDS: tuple[str, ...] = (
    "Official Store",
    "Store",
    "Flagship Store",
    "Digital",
    "Life",
    "Home",
    "Global",
    "Direct",
    "Outlet",
    "Mall",
    "Shop",
)


def fx_seed_rates() -> dict[tuple[str, str], float]:
    """Illustrative late-2026 rates for the seed, one unit of base in quote currency.

    Replace with ECB / central-bank imports in production; these only make prices plausible.
    """
    usd = {
        "BRL": 5.45,
        "MXN": 18.60,
        "CLP": 940.0,
        "COP": 4050.0,
        "PEN": 3.66,
        "ARS": 1480.0,
        "CNY": 7.10,
        "USD": 1.0,
    }
    eur_usd = 1.16
    out: dict[tuple[str, str], float] = {}
    for quote, per_usd in usd.items():
        if quote != "USD":
            out[("USD", quote)] = per_usd
        out[("EUR", quote)] = per_usd * eur_usd
        if quote != "CNY":
            out[("CNY", quote)] = per_usd / usd["CNY"]
    return out


FX_SOURCE = "illustrative seed rates, replace with ECB/central-bank imports"
