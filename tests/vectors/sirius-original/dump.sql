--
-- PostgreSQL database dump
--

\restrict BM0UxRbgLlKiKAK6BFAxqqtcvA2i5Mcle3e8wbjXLORcxrDNlIrhrvcqEY9odBD

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: alembic_version; Type: TABLE; Schema: public; Owner: sirius
--

CREATE TABLE public.alembic_version (
    version_num character varying(32) NOT NULL
);


ALTER TABLE public.alembic_version OWNER TO sirius;

--
-- Name: bridge; Type: TABLE; Schema: public; Owner: sirius
--

CREATE TABLE public.bridge (
    id integer NOT NULL,
    created timestamp without time zone,
    bridge_address character varying
);


ALTER TABLE public.bridge OWNER TO sirius;

--
-- Name: bridge_id_seq; Type: SEQUENCE; Schema: public; Owner: sirius
--

CREATE SEQUENCE public.bridge_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER TABLE public.bridge_id_seq OWNER TO sirius;

--
-- Name: bridge_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: sirius
--

ALTER SEQUENCE public.bridge_id_seq OWNED BY public.bridge.id;


--
-- Name: claim_code; Type: TABLE; Schema: public; Owner: sirius
--

CREATE TABLE public.claim_code (
    id integer NOT NULL,
    created timestamp without time zone,
    by_id integer,
    hardware_xor integer,
    claim_code character varying,
    name character varying
);


ALTER TABLE public.claim_code OWNER TO sirius;

--
-- Name: claim_code_id_seq; Type: SEQUENCE; Schema: public; Owner: sirius
--

CREATE SEQUENCE public.claim_code_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER TABLE public.claim_code_id_seq OWNER TO sirius;

--
-- Name: claim_code_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: sirius
--

ALTER SEQUENCE public.claim_code_id_seq OWNED BY public.claim_code.id;


--
-- Name: device_log; Type: TABLE; Schema: public; Owner: sirius
--

CREATE TABLE public.device_log (
    id integer NOT NULL,
    created timestamp without time zone,
    device_address character varying,
    entry character varying
);


ALTER TABLE public.device_log OWNER TO sirius;

--
-- Name: device_log_id_seq; Type: SEQUENCE; Schema: public; Owner: sirius
--

CREATE SEQUENCE public.device_log_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER TABLE public.device_log_id_seq OWNER TO sirius;

--
-- Name: device_log_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: sirius
--

ALTER SEQUENCE public.device_log_id_seq OWNED BY public.device_log.id;


--
-- Name: message; Type: TABLE; Schema: public; Owner: sirius
--

CREATE TABLE public.message (
    id integer NOT NULL,
    created timestamp without time zone,
    pixels bytea,
    print_id integer,
    target_printer_id integer,
    response_timestamp timestamp without time zone,
    failure_message character varying,
    sender_name character varying
);


ALTER TABLE public.message OWNER TO sirius;

--
-- Name: message_id_seq; Type: SEQUENCE; Schema: public; Owner: sirius
--

CREATE SEQUENCE public.message_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER TABLE public.message_id_seq OWNER TO sirius;

--
-- Name: message_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: sirius
--

ALTER SEQUENCE public.message_id_seq OWNED BY public.message.id;


--
-- Name: print_key; Type: TABLE; Schema: public; Owner: sirius
--

CREATE TABLE public.print_key (
    id integer NOT NULL,
    secret character varying,
    created timestamp without time zone,
    printer_id integer,
    number_of_uses integer NOT NULL,
    senders character varying[] NOT NULL,
    parent_id integer
);


ALTER TABLE public.print_key OWNER TO sirius;

--
-- Name: print_key_id_seq; Type: SEQUENCE; Schema: public; Owner: sirius
--

CREATE SEQUENCE public.print_key_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER TABLE public.print_key_id_seq OWNER TO sirius;

--
-- Name: print_key_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: sirius
--

ALTER SEQUENCE public.print_key_id_seq OWNED BY public.print_key.id;


--
-- Name: printer; Type: TABLE; Schema: public; Owner: sirius
--

CREATE TABLE public.printer (
    id integer NOT NULL,
    created timestamp without time zone,
    device_address character varying,
    hardware_xor integer,
    name character varying,
    owner_id integer,
    used_claim_code character varying
);


ALTER TABLE public.printer OWNER TO sirius;

--
-- Name: printer_id_seq; Type: SEQUENCE; Schema: public; Owner: sirius
--

CREATE SEQUENCE public.printer_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER TABLE public.printer_id_seq OWNER TO sirius;

--
-- Name: printer_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: sirius
--

ALTER SEQUENCE public.printer_id_seq OWNED BY public.printer.id;


--
-- Name: twitter_o_auth; Type: TABLE; Schema: public; Owner: sirius
--

CREATE TABLE public.twitter_o_auth (
    id integer NOT NULL,
    created timestamp without time zone,
    user_id integer,
    screen_name character varying,
    token character varying,
    token_secret character varying,
    last_friend_refresh timestamp without time zone,
    friends bytea
);


ALTER TABLE public.twitter_o_auth OWNER TO sirius;

--
-- Name: twitter_o_auth_id_seq; Type: SEQUENCE; Schema: public; Owner: sirius
--

CREATE SEQUENCE public.twitter_o_auth_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER TABLE public.twitter_o_auth_id_seq OWNER TO sirius;

--
-- Name: twitter_o_auth_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: sirius
--

ALTER SEQUENCE public.twitter_o_auth_id_seq OWNED BY public.twitter_o_auth.id;


--
-- Name: user; Type: TABLE; Schema: public; Owner: sirius
--

CREATE TABLE public."user" (
    id integer NOT NULL,
    created timestamp without time zone,
    username character varying,
    api_key character varying
);


ALTER TABLE public."user" OWNER TO sirius;

--
-- Name: user_id_seq; Type: SEQUENCE; Schema: public; Owner: sirius
--

CREATE SEQUENCE public.user_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER TABLE public.user_id_seq OWNER TO sirius;

--
-- Name: user_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: sirius
--

ALTER SEQUENCE public.user_id_seq OWNED BY public."user".id;


--
-- Name: bridge id; Type: DEFAULT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.bridge ALTER COLUMN id SET DEFAULT nextval('public.bridge_id_seq'::regclass);


--
-- Name: claim_code id; Type: DEFAULT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.claim_code ALTER COLUMN id SET DEFAULT nextval('public.claim_code_id_seq'::regclass);


--
-- Name: device_log id; Type: DEFAULT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.device_log ALTER COLUMN id SET DEFAULT nextval('public.device_log_id_seq'::regclass);


--
-- Name: message id; Type: DEFAULT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.message ALTER COLUMN id SET DEFAULT nextval('public.message_id_seq'::regclass);


--
-- Name: print_key id; Type: DEFAULT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.print_key ALTER COLUMN id SET DEFAULT nextval('public.print_key_id_seq'::regclass);


--
-- Name: printer id; Type: DEFAULT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.printer ALTER COLUMN id SET DEFAULT nextval('public.printer_id_seq'::regclass);


--
-- Name: twitter_o_auth id; Type: DEFAULT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.twitter_o_auth ALTER COLUMN id SET DEFAULT nextval('public.twitter_o_auth_id_seq'::regclass);


--
-- Name: user id; Type: DEFAULT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public."user" ALTER COLUMN id SET DEFAULT nextval('public.user_id_seq'::regclass);


--
-- Data for Name: alembic_version; Type: TABLE DATA; Schema: public; Owner: sirius
--

COPY public.alembic_version (version_num) FROM stdin;
44c4368c2db1
\.


--
-- Data for Name: bridge; Type: TABLE DATA; Schema: public; Owner: sirius
--

COPY public.bridge (id, created, bridge_address) FROM stdin;
1	2015-03-01 00:00:00	b0e38dc177e66000
\.


--
-- Data for Name: claim_code; Type: TABLE DATA; Schema: public; Owner: sirius
--

COPY public.claim_code (id, created, by_id, hardware_xor, claim_code, name) FROM stdin;
1	2015-03-02 18:30:00	1	13311906	jwm0-6xd9-jeqd-p7x2	Kitchen
2	2015-03-04 09:10:00	2	4088432	K66J-28JM-8JBM-WRMH	Desk
3	2018-01-01 08:00:00	2	4088432	0DEHN2RD1N73WRMH	Desk
4	2017-01-02 10:00:00	4	3608045	P647-FXVQ-FXVM-F3GE	Dave's
5	2019-09-09 09:09:09	3	2793439	QQ6H-20H3-0H2K-O7YZ	Gift
6	2019-09-10 09:09:09	3	13311907	JWM0-6XD9-JEQD-P7X3	Typo
\.


--
-- Data for Name: device_log; Type: TABLE DATA; Schema: public; Owner: sirius
--

COPY public.device_log (id, created, device_address, entry) FROM stdin;
1	2015-03-01 00:00:00	11cc0f6aaeb07dad	{"type": "power_on"}
\.


--
-- Data for Name: message; Type: TABLE DATA; Schema: public; Owner: sirius
--

COPY public.message (id, created, pixels, print_id, target_printer_id, response_timestamp, failure_message, sender_name) FROM stdin;
1	2019-01-01 10:00:00	\\x89504e470d0a1a0a2a294dc7b86e293ed09fc0e2a255f93fe64ccc4ad1fea5ddacf986a6303c4b010619d6ef1d7086f9bb31c77028dab8d02c4e3d888000745d9bc158ba3d739adae56fefa72116c104f638a53cf49c64f9ca61847c9344dae3fffee5e02365d98823d344bd24d9690815c11efd3ad8bcfb3ad9eb1e3cf15713410207c7dcaf469f000b576e159d2ee04728d133b63e024183756b75e88c35c9a7fd91958c20c2c5ca736cd6ab22a2bbd6db908c9b6b1f77ad46943c6244c3f06518b4babfae06864dfdc74656376038a72c9dd7a19ff6d5ed34d9aec908ae83096746e04e0671feb5af7180a79b57e75ce233c13666e84e18137ef404c0b5bcf5337c462aece2ae8013f1231f935cc925271e7fe688ef88cb7b9f6821419f2c323b2bc456085756ab53952d49f0276f7526d2dcfb81e42a5b03cc25fcdb2b09a80c469076fd11cf125adac6389112bf6e44a66147443f1f87a597a8a6f4e218ce6b7b3cafba0963e4c5865f2fc249c4eff34b895107273eb0eb67811c47b4bede77a5771712aaa88bc8ed791d2414bcc9572ee75a06a8b255396a60267119708937d37dd17ad7f1e347ed86786ef0b1d17af3d4c97f237f59103c07b4d28555aefe9a209a940525c2083acf814423fd0f1e194b6394197df1deb2b5664323ffdd9d9691388a0b841eb2b32b92ba57328beda8f0a8304f91019817b662d95df26d41ea0ca3dfc17980638e45bcf58bceeb9b290da5835e4b8beef518c70cbac3ace7ab4b5fc42c79cb3ba7c233ccb13631e729c249cd97646ca987ee2d575ca3b7e44b44b188ed1a95a354cdf78df7785115d4af005e51b5e5d244c6c27b4a3b66e17c44d93199819636db1508739f9ef6618fb132c6295278bf684e2a844367aca1d707d10d8279828cf224bbe41ff19b661f10cc365d68ae97fe69fc46feed6131324ee398f33179f3b543ca79301d5b06eeaa6a45c07b056225274d5bd4e9b58743b8b6ce2f909d77ffaff89788e0769c5bc9d200c4688c1d25f6e17e68971f5a726c4c66c0090a109599c3a7630d303bb9516b30d03b6feadc7bdb04ad556c872e23cda0fcc47c1942d190bdbccacfccb58ac6585c564a4d145cfeabd3cba38c5c204090e35721c2ac901e8ae6e4f09d5629fe030211a795dad9ea6417e11e6ad53d84d47eb9d4082da3ee70c378d0619a61a4688cc6c551c9d61c110deac7645186e1b46de7741f364ba5d5fc4b19cd202e5bb109e2ea02191b323500b813e8e5f7ef612d810d28faecc9e85f61535a13f3a144304a67057e3e89603c150532f46eebff10dab7f0e166158813ac917a1e87953386cc51c45e56c086bc45a6fd6997f6e12f4ade779192a653af4415498b86a2a2a68012acfcff7f85dcdab60254c53c5005b51bbb52ef6e1beb3b142f70acac2e79df9d2b31c84bf18c8c77269bd23b07c47411b22d90be8e49b9725d23ccafc035d29ee2d283d7aba6454e2e66ae8f714b95780c3cd439363b481ddc48fdb572a8b6b516a440562761483d3c0c93341d4baaa561fcb88b67f5e7c4603e5ffa96f42c8d2dd290525fdd99eb36900fb795fceb7e93609120f5bfa5882efb7ab129f42bf0924c4df959c3d09d740bc508369644f480e7ea8cb731b87a194178eacaf2c2f0f933d124463c23f0877266c91bbbe30c5a5be5fa33a281582c8c44ff3af7e24e3020777e379462d204184e3e4efa6190fee09707136240b0fe5487dd0d55905c42aefeb60f7161900d484dd697076c75c071bf2056d01faed5fda3f6f4b7a61d11d003debaf198935259012e88b7b946b1fa072fc5b07fce7121872a1c51d9bc79f00d5d4a40d42797393258dbbf4472d94653e557bca9f53ec632507424234eadf2f98e45fb29b1ef0e9bdcf8d3f40e5ed68b4cf201759aa51109975f0fb5f9ffa3c68fccbc59321248ea4b53cb17ddb707964f5b31dcbc1bd8aa69ea7c5f6054e836db2b1d1f45143071293b6c071b626dddc719021e673c55e9e9554fbe23b4190a3008684b43b8030069798e99687837fb5914aa12096af0b9f6b439014bbf9eaf46004a90177209435e34c5789affcd40df0521581b6862374a5f1f4f4722b6fcf18d462bb774e73ae74560e55e0a303e844eda2bde60f53644f6eaa2ad500f8cbab5272f6131df580f0a3fd4f812b55f37b57ac03e1bd45efb7cd19a914028a11a2c2d8194f570325c28834804dc94a6e8e642b1996e27fab6e382f8ba6d73ab9c419f160eb9ae4368525ee5e2817be4559ac4e8405bb87c320690e60d0a1f810d509e3cb284951a7f945f49dee988b8588e41f39fd8afeaa784c70b3761f70ef0de7d22cf746bcc1c15b8339467da9382f7a4d90926f45d436b8e2159c326bb359bb221e5d5c10304be7e47f60cc35cf8c2d88379e0d3515307c17a71d55c0589f0f459ce9eba2c8bfaf2f51ad6b7b1584ebdf8c3c637c1de654c5200da360018aaebae4cfa122f62a237f3d44ee379e91dede1a14a8169b4554e83e53887ca7a4a039cdfd38955189a56158fb5b0c35ce2931837bf4205b2d62a1e9e8c3a9cae7d5fa8cf0ea084aaf97e860a579866a638a2ff0e98b14cee50d85e25a85335238e3ae6cd3eefde07251a69bcee72d02fbb06a854124dd83dc7ba71af553cc4452e767387cfdc5db5c6c6f8b5f8a6e6b1927154fd1bf530e694bd49cba56765ac1eaa2c42e27b8e0d9c558db0437af58f0501cae8fcac13e6f4f04178124a7e126071eea1d163370d892e5060c10831db180299c9664ad1bfa4371e73cc2e3b52b8b9d6f179a28e98332658c5a84e57cd71e34b2196c841434721fb10960f06964da204e6e9d8eb3f4c22eb075226f1eaa395199c65710d31e3ca1f1ec2bdeb1d6f2c7697656fcab3de6e5644d1e18c3a3422108186ba318eb029c021c34df90769ff5c33124941f02204c04c47d91dd1700ffe39c52e3c97b2f06fb7d2ae0d9fea3896d3ddd355a8de7bd51f202e7a84b6f3bc7e09ab0d4fa484c8da4793387711939518aa032529bc35685d908e155a014172db1c7e84ffd3ec216d808dc4211d8850b09494d72c45233c9a6122545d6e20283d473ad9273275a69b705edd018ff2d90bac783eedf8948d34a32f4b5870c5d289e249bfbe2f5f3764121bb8ba35f9a861a8d02de4c2b1506a666b0293e5dc388ff19018b4f0003816809a6a86b173fb4df6e9b29901ebdfd69a1a392154b5e12102fc1361265e2f90f2930bbe2e35f83aea3ff20d599fc26869e94dd99c1e1f30d1e72a43fb87de6fff5fc46dc872ee8b39d26322faf3e0f3f7b246df8e3d245c76bfe6c54d41ffef8dbb678d5b7d20dd3ddf0775370ac60b3218ff0bf9bc77e86a098000ee9320cdab4d7faef8b2e78e616dcd71db00c3d45d44329ebedf7a464334ef09ab5504d1f426d851cf6d98bcce96efb758494a8ac56d008286d06e4b9f6e45266fca5c87580d24b3a31d9dea47b59828dc7eaa152f9467dd2f2bc42e5aecf4aa9b14b043583f2d7f47e90dbae1802021867f5d8b13009e8ff584a01967a8541dee7ffe3ca03fc3b8b6ad0eb73f922fe26c6face2592a892358b518c90580a18296d09f500592c4e5d88006b780dd6cc8179217cfc004080c3dfe5314962412eea6c27ee4fbb2aac4bbcffec50f263bcf3b678095fa2da021e84eb4ea9327f234b1a7f6ca22ea58b77c2ba3cff8eb34e7d98850159d934ddb45887be28925435e050eb15b1984e42194987ac550a0ee4dc4193955c31ad2d487350c0a94a962357d421108db2b1a843f5cde79d7ec418e7a6b71ca92b193ec6d63db2dccbd9d16d9c0bed73c2f8d3b5b07f20dcafb222a38088c3be1ae83a6e4a36b1c05ae7c2ae9f1f6bf0b084c9bee48813144785b5938d8aca9e94286f00d7abb24085879fd3e3405e205a2ae4781c6a283490b886dffe805e721c4ed241e698e8ff56f8a8c57efddc72df68e5d1c67325afd62cee8defe51cabdc7f679515d7f8fa6742a89ec2780e7e5659c4c879605beb444aca4aaee11910ebb468418bef04e0354f279a7c597d62b987ede0a06e39c5fd52c05872ce3b1fe433c95d9f10be1fae3e3c030fe3d0607787421e489c1b10e80786b036cce1efd37f397d9c6e22e6b5c2dbf5fbec8fcb0d7f881f8575e925dd64fa855657bed2ca149bcfb6ebfbab25deeaf44223154c123cf6f650ef08fc83c0412cb5506f861cf91e0fb9c1559838a0f74428a9324b5839272fce02a	1	11	\N	Timed out	Mum
2	2019-01-02 10:00:00	\\x89504e470d0a1a0a2a294dc7b86e293ed09fc0e2a255f93fe64ccc4ad1fea5ddacf986a6303c4b010619d6ef1d7086f9bb31c77028dab8d02c4e3d888000745d9bc158ba3d739adae56fefa72116c104f638a53cf49c64f9ca61847c9344dae3fffee5e02365d98823d344bd24d9690815c11efd3ad8bcfb3ad9eb1e3cf15713410207c7dcaf469f000b576e159d2ee04728d133b63e024183756b75e88c35c9a7fd91958c20c2c5ca736cd6ab22a2bbd6db908c9b6b1f77ad46943c6244c3f06518b4babfae06864dfdc74656376038a72c9dd7a19ff6d5ed34d9aec908ae83096746e04e0671feb5af7180a79b57e75ce233c13666e84e18137ef404c0b5bcf5337c462aece2ae8013f1231f935cc925271e7fe688ef88cb7b9f6821419f2c323b2bc456085756ab53952d49f0276f7526d2dcfb81e42a5b03cc25fcdb2b09a80c469076fd11cf125adac6389112bf6e44a66147443f1f87a597a8a6f4e218ce6b7b3cafba0963e4c5865f2fc249c4eff34b895107273eb0eb67811c47b4bede77a5771712aaa88bc8ed791d2414bcc9572ee75a06a8b255396a60267119708937d37dd17ad7f1e347ed86786ef0b1d17af3d4c97f237f59103c07b4d28555aefe9a209a940525c2083acf814423fd0f1e194b6394197df1deb2b5664323ffdd9d9691388a0b841eb2b32b92ba57328beda8f0a8304f91019817b662d95df26d41ea0ca3dfc17980638e45bcf58bceeb9b290da5835e4b8beef518c70cbac3ace7ab4b5fc42c79cb3ba7c233ccb13631e729c249cd97646ca987ee2d575ca3b7e44b44b188ed1a95a354cdf78df7785115d4af005e51b5e5d244c6c27b4a3b66e17c44d93199819636db1508739f9ef6618fb132c6295278bf684e2a844367aca1d707d10d8279828cf224bbe41ff19b661f10cc365d68ae97fe69fc46feed6131324ee398f33179f3b543ca79301d5b06eeaa6a45c07b056225274d5bd4e9b58743b8b6ce2f909d77ffaff89788e0769c5bc9d200c4688c1d25f6e17e68971f5a726c4c66c0090a109599c3a7630d303bb9516b30d03b6feadc7bdb04ad556c872e23cda0fcc47c1942d190bdbccacfccb58ac6585c564a4d145cfeabd3cba38c5c204090e35721c2ac901e8ae6e4f09d5629fe030211a795dad9ea6417e11e6ad53d84d47eb9d4082da3ee70c378d0619a61a4688cc6c551c9d61c110deac7645186e1b46de7741f364ba5d5fc4b19cd202e5bb109e2ea02191b323500b813e8e5f7ef612d810d28faecc9e85f61535a13f3a144304a67057e3e89603c150532f46eebff10dab7f0e166158813ac917a1e87953386cc51c45e56c086bc45a6fd6997f6e12f4ade779192a653af4415498b86a2a2a68012acfcff7f85dcdab60254c53c5005b51bbb52ef6e1beb3b142f70acac2e79df9d2b31c84bf18c8c77269bd23b07c47411b22d90be8e49b9725d23ccafc035d29ee2d283d7aba6454e2e66ae8f714b95780c3cd439363b481ddc48fdb572a8b6b516a440562761483d3c0c93341d4baaa561fcb88b67f5e7c4603e5ffa96f42c8d2dd290525fdd99eb36900fb795fceb7e93609120f5bfa5882efb7ab129f42bf0924c4df959c3d09d740bc508369644f480e7ea8cb731b87a194178eacaf2c2f0f933d124463c23f0877266c91bbbe30c5a5be5fa33a281582c8c44ff3af7e24e3020777e379462d204184e3e4efa6190fee09707136240b0fe5487dd0d55905c42aefeb60f7161900d484dd697076c75c071bf2056d01faed5fda3f6f4b7a61d11d003debaf198935259012e88b7b946b1fa072fc5b07fce7121872a1c51d9bc79f00d5d4a40d42797393258dbbf4472d94653e557bca9f53ec632507424234eadf2f98e45fb29b1ef0e9bdcf8d3f40e5ed68b4cf201759aa51109975f0fb5f9ffa3c68fccbc59321248ea4b53cb17ddb707964f5b31dcbc1bd8aa69ea7c5f6054e836db2b1d1f45143071293b6c071b626dddc719021e673c55e9e9554fbe23b4190a3008684b43b8030069798e99687837fb5914aa12096af0b9f6b439014bbf9eaf46004a90177209435e34c5789affcd40df0521581b6862374a5f1f4f4722b6fcf18d462bb774e73ae74560e55e0a303e844eda2bde60f53644f6eaa2ad500f8cbab5272f6131df580f0a3fd4f812b55f37b57ac03e1bd45efb7cd19a914028a11a2c2d8194f570325c28834804dc94a6e8e642b1996e27fab6e382f8ba6d73ab9c419f160eb9ae4368525ee5e2817be4559ac4e8405bb87c320690e60d0a1f810d509e3cb284951a7f945f49dee988b8588e41f39fd8afeaa784c70b3761f70ef0de7d22cf746bcc1c15b8339467da9382f7a4d90926f45d436b8e2159c326bb359bb221e5d5c10304be7e47f60cc35cf8c2d88379e0d3515307c17a71d55c0589f0f459ce9eba2c8bfaf2f51ad6b7b1584ebdf8c3c637c1de654c5200da360018aaebae4cfa122f62a237f3d44ee379e91dede1a14a8169b4554e83e53887ca7a4a039cdfd38955189a56158fb5b0c35ce2931837bf4205b2d62a1e9e8c3a9cae7d5fa8cf0ea084aaf97e860a579866a638a2ff0e98b14cee50d85e25a85335238e3ae6cd3eefde07251a69bcee72d02fbb06a854124dd83dc7ba71af553cc4452e767387cfdc5db5c6c6f8b5f8a6e6b1927154fd1bf530e694bd49cba56765ac1eaa2c42e27b8e0d9c558db0437af58f0501cae8fcac13e6f4f04178124a7e126071eea1d163370d892e5060c10831db180299c9664ad1bfa4371e73cc2e3b52b8b9d6f179a28e98332658c5a84e57cd71e34b2196c841434721fb10960f06964da204e6e9d8eb3f4c22eb075226f1eaa395199c65710d31e3ca1f1ec2bdeb1d6f2c7697656fcab3de6e5644d1e18c3a3422108186ba318eb029c021c34df90769ff5c33124941f02204c04c47d91dd1700ffe39c52e3c97b2f06fb7d2ae0d9fea3896d3ddd355a8de7bd51f202e7a84b6f3bc7e09ab0d4fa484c8da4793387711939518aa032529bc35685d908e155a014172db1c7e84ffd3ec216d808dc4211d8850b09494d72c45233c9a6122545d6e20283d473ad9273275a69b705edd018ff2d90bac783eedf8948d34a32f4b5870c5d289e249bfbe2f5f3764121bb8ba35f9a861a8d02de4c2b1506a666b0293e5dc388ff19018b4f0003816809a6a86b173fb4df6e9b29901ebdfd69a1a392154b5e12102fc1361265e2f90f2930bbe2e35f83aea3ff20d599fc26869e94dd99c1e1f30d1e72a43fb87de6fff5fc46dc872ee8b39d26322faf3e0f3f7b246df8e3d245c76bfe6c54d41ffef8dbb678d5b7d20dd3ddf0775370ac60b3218ff0bf9bc77e86a098000ee9320cdab4d7faef8b2e78e616dcd71db00c3d45d44329ebedf7a464334ef09ab5504d1f426d851cf6d98bcce96efb758494a8ac56d008286d06e4b9f6e45266fca5c87580d24b3a31d9dea47b59828dc7eaa152f9467dd2f2bc42e5aecf4aa9b14b043583f2d7f47e90dbae1802021867f5d8b13009e8ff584a01967a8541dee7ffe3ca03fc3b8b6ad0eb73f922fe26c6face2592a892358b518c90580a18296d09f500592c4e5d88006b780dd6cc8179217cfc004080c3dfe5314962412eea6c27ee4fbb2aac4bbcffec50f263bcf3b678095fa2da021e84eb4ea9327f234b1a7f6ca22ea58b77c2ba3cff8eb34e7d98850159d934ddb45887be28925435e050eb15b1984e42194987ac550a0ee4dc4193955c31ad2d487350c0a94a962357d421108db2b1a843f5cde79d7ec418e7a6b71ca92b193ec6d63db2dccbd9d16d9c0bed73c2f8d3b5b07f20dcafb222a38088c3be1ae83a6e4a36b1c05ae7c2ae9f1f6bf0b084c9bee48813144785b5938d8aca9e94286f00d7abb24085879fd3e3405e205a2ae4781c6a283490b886dffe805e721c4ed241e698e8ff56f8a8c57efddc72df68e5d1c67325afd62cee8defe51cabdc7f679515d7f8fa6742a89ec2780e7e5659c4c879605beb444aca4aaee11910ebb468418bef04e0354f279a7c597d62b987ede0a06e39c5fd52c05872ce3b1fe433c95d9f10be1fae3e3c030fe3d0607787421e489c1b10e80786b036cce1efd37f397d9c6e22e6b5c2dbf5fbec8fcb0d7f881f8575e925dd64fa855657bed2ca149bcfb6ebfbab25deeaf44223154c123cf6f650ef08fc83c0412cb5506f861cf91e0fb9c1559838a0f74428a9324b5839272fce02a	2	13	2019-01-02 10:00:01	\N	bob
\.


--
-- Data for Name: print_key; Type: TABLE DATA; Schema: public; Owner: sirius
--

COPY public.print_key (id, secret, created, printer_id, number_of_uses, senders, parent_id) FROM stdin;
1	k7tchen0key0abcdefgh	2018-09-09 10:00:00	11	3	{Mum,NULL,"Dad \\"the\\" cook"}	\N
2	d3skkey000aaaabbbbcc	2018-09-10 10:00:00	13	0	{}	\N
3	dav3key000aaaabbbbcc	2018-09-11 10:00:00	15	1	{dave}	\N
4	0ldkey0000aaaabbbbcc	2018-09-12 10:00:00	12	7	{bob}	2
\.


--
-- Data for Name: printer; Type: TABLE DATA; Schema: public; Owner: sirius
--

COPY public.printer (id, created, device_address, hardware_xor, name, owner_id, used_claim_code) FROM stdin;
11	2015-03-02 18:29:00	11cc0f6aaeb07dad	13311906	Kitchen	1	JWM0-6XD9-JEQD-P7X2
12	2015-03-04 09:09:00	237286552b483bf6	4088432	Desk	2	K66J-28JM-8JBM-WRMH
13	2018-01-01 07:59:00	2372860f2b123bf6	4088432	Desk	2	0DEHN2RD1N73WRMH
14	2019-01-01 00:00:00	73cc2a4bce261a5d	1972343	\N	\N	\N
15	2017-01-02 09:59:00	2c908d135808c560	3608045	Dave's	4	P647-FXVQ-FXVM-F3GE
\.


--
-- Data for Name: twitter_o_auth; Type: TABLE DATA; Schema: public; Owner: sirius
--

COPY public.twitter_o_auth (id, created, user_id, screen_name, token, token_secret, last_friend_refresh, friends) FROM stdin;
1	2016-01-01 00:00:00	1	alice	tok1	sec1	2019-02-03 04:05:06	\\x80049507010000000000005d94288c127369726975732e6d6f64656c732e75736572948c06467269656e649493948c054361726f6c948c054361726f6c948c2e68747470733a2f2f7062732e7477696d672e636f6d2f70726f66696c655f696d616765732f4361726f6c2e706e67948794819468038c03626f62948c03426f62948c2c68747470733a2f2f7062732e7477696d672e636f6d2f70726f66696c655f696d616765732f626f622e706e67948794819468038c0c7a65645f6e6f745f68657265948c0c5a65645f4e6f745f48657265948c3568747470733a2f2f7062732e7477696d672e636f6d2f70726f66696c655f696d616765732f7a65645f6e6f745f686572652e706e679487948194652e
2	2016-01-01 00:00:00	2	bob	tok2	sec2	2019-02-03 04:05:06	\\x80025d7100637369726975732e6d6f64656c732e757365720a467269656e640a71015805000000616c69636571025805000000416c6963657103582e00000068747470733a2f2f7062732e7477696d672e636f6d2f70726f66696c655f696d616765732f616c6963652e706e677104877105817106612e
3	2016-01-01 00:00:00	3	carol	tok3	sec3	2019-02-03 04:05:06	\N
4	2016-01-01 00:00:00	4	dave	tok4	sec4	2019-02-03 04:05:06	\\x80049569000000000000005d948c127369726975732e6d6f64656c732e75736572948c06467269656e649493948c05616c696365948c05416c696365948c2e68747470733a2f2f7062732e7477696d672e636f6d2f70726f66696c655f696d616765732f616c6963652e706e679487948194612e
5	2016-01-01 00:00:00	5	erin	tok5	sec5	2019-02-03 04:05:06	\\x800495ae000000000000005d94288c127369726975732e6d6f64656c732e75736572948c06467269656e649493948c0444415645948c0444617665948c2d68747470733a2f2f7062732e7477696d672e636f6d2f70726f66696c655f696d616765732f444156452e706e67948794819468038c05616c696365948c05416c696365948c2e68747470733a2f2f7062732e7477696d672e636f6d2f70726f66696c655f696d616765732f616c6963652e706e679487948194652e
6	2016-01-01 00:00:00	6	frank_1	tok6	sec6	2019-02-03 04:05:06	\\x80045d942e
\.


--
-- Data for Name: user; Type: TABLE DATA; Schema: public; Owner: sirius
--

COPY public."user" (id, created, username, api_key) FROM stdin;
1	2015-03-02 18:20:11.512301	alice	Zq7RtbW0aXk3LmNp9sDfGh2JkL5vBc8Y
2	2015-03-04 09:01:00.1	bob	\N
3	2016-11-20 22:00:00	carol	\N
4	2017-01-01 10:00:00	dave	\N
5	2017-05-05 05:05:05.5	erin	\N
6	2018-06-01 12:00:00	\N	\N
\.


--
-- Name: bridge_id_seq; Type: SEQUENCE SET; Schema: public; Owner: sirius
--

SELECT pg_catalog.setval('public.bridge_id_seq', 1, true);


--
-- Name: claim_code_id_seq; Type: SEQUENCE SET; Schema: public; Owner: sirius
--

SELECT pg_catalog.setval('public.claim_code_id_seq', 6, true);


--
-- Name: device_log_id_seq; Type: SEQUENCE SET; Schema: public; Owner: sirius
--

SELECT pg_catalog.setval('public.device_log_id_seq', 1, true);


--
-- Name: message_id_seq; Type: SEQUENCE SET; Schema: public; Owner: sirius
--

SELECT pg_catalog.setval('public.message_id_seq', 2, true);


--
-- Name: print_key_id_seq; Type: SEQUENCE SET; Schema: public; Owner: sirius
--

SELECT pg_catalog.setval('public.print_key_id_seq', 4, true);


--
-- Name: printer_id_seq; Type: SEQUENCE SET; Schema: public; Owner: sirius
--

SELECT pg_catalog.setval('public.printer_id_seq', 15, true);


--
-- Name: twitter_o_auth_id_seq; Type: SEQUENCE SET; Schema: public; Owner: sirius
--

SELECT pg_catalog.setval('public.twitter_o_auth_id_seq', 6, true);


--
-- Name: user_id_seq; Type: SEQUENCE SET; Schema: public; Owner: sirius
--

SELECT pg_catalog.setval('public.user_id_seq', 6, true);


--
-- Name: alembic_version alembic_version_pkc; Type: CONSTRAINT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);


--
-- Name: bridge bridge_pkey; Type: CONSTRAINT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.bridge
    ADD CONSTRAINT bridge_pkey PRIMARY KEY (id);


--
-- Name: claim_code claim_code_pkey; Type: CONSTRAINT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.claim_code
    ADD CONSTRAINT claim_code_pkey PRIMARY KEY (id);


--
-- Name: device_log device_log_pkey; Type: CONSTRAINT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.device_log
    ADD CONSTRAINT device_log_pkey PRIMARY KEY (id);


--
-- Name: message message_pkey; Type: CONSTRAINT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.message
    ADD CONSTRAINT message_pkey PRIMARY KEY (id);


--
-- Name: message message_print_id_key; Type: CONSTRAINT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.message
    ADD CONSTRAINT message_print_id_key UNIQUE (print_id);


--
-- Name: print_key print_key_pkey; Type: CONSTRAINT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.print_key
    ADD CONSTRAINT print_key_pkey PRIMARY KEY (id);


--
-- Name: print_key print_key_secret_key; Type: CONSTRAINT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.print_key
    ADD CONSTRAINT print_key_secret_key UNIQUE (secret);


--
-- Name: printer printer_pkey; Type: CONSTRAINT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.printer
    ADD CONSTRAINT printer_pkey PRIMARY KEY (id);


--
-- Name: twitter_o_auth twitter_o_auth_pkey; Type: CONSTRAINT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.twitter_o_auth
    ADD CONSTRAINT twitter_o_auth_pkey PRIMARY KEY (id);


--
-- Name: twitter_o_auth twitter_o_auth_screen_name_key; Type: CONSTRAINT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.twitter_o_auth
    ADD CONSTRAINT twitter_o_auth_screen_name_key UNIQUE (screen_name);


--
-- Name: user user_pkey; Type: CONSTRAINT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public."user"
    ADD CONSTRAINT user_pkey PRIMARY KEY (id);


--
-- Name: ix_message_created; Type: INDEX; Schema: public; Owner: sirius
--

CREATE INDEX ix_message_created ON public.message USING btree (created);


--
-- Name: claim_code claim_code_by_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.claim_code
    ADD CONSTRAINT claim_code_by_id_fkey FOREIGN KEY (by_id) REFERENCES public."user"(id);


--
-- Name: message message_target_printer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.message
    ADD CONSTRAINT message_target_printer_id_fkey FOREIGN KEY (target_printer_id) REFERENCES public.printer(id);


--
-- Name: print_key print_key_printer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.print_key
    ADD CONSTRAINT print_key_printer_id_fkey FOREIGN KEY (printer_id) REFERENCES public.printer(id);


--
-- Name: printer printer_owner_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.printer
    ADD CONSTRAINT printer_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES public."user"(id);


--
-- Name: twitter_o_auth twitter_o_auth_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: sirius
--

ALTER TABLE ONLY public.twitter_o_auth
    ADD CONSTRAINT twitter_o_auth_user_id_fkey FOREIGN KEY (user_id) REFERENCES public."user"(id);


--
-- PostgreSQL database dump complete
--

\unrestrict BM0UxRbgLlKiKAK6BFAxqqtcvA2i5Mcle3e8wbjXLORcxrDNlIrhrvcqEY9odBD

