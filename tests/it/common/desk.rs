//! A person at the workbench over plain HTTP, without a browser: signs
//! in, reads pages, posts forms with the session's CSRF token.

/// A person at the workbench over plain HTTP (no browser): the session
/// and language cookies it was given, and the CSRF token of the last
/// form it read.
pub struct Desk {
    http: reqwest::Client,
    base: String,
    cookies: Vec<String>,
    csrf: String,
}

impl Desk {
    /// Someone at the workbench who has not signed in.
    pub fn signed_out(base: &str) -> Desk {
        Desk {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_string(),
            cookies: Vec::new(),
            csrf: String::new(),
        }
    }

    pub async fn sign_in(base: &str, user: &str, password: &str) -> Desk {
        let mut d = Desk::signed_out(base);
        let (status, _) = d
            .post("/wb/login", &[("user", user), ("password", password)])
            .await;
        assert_eq!(status, 303, "{user} signs in");
        d
    }

    fn keep_cookies(&mut self, resp: &reqwest::Response) {
        for set in resp.headers().get_all("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_string();
            let name = pair.split('=').next().unwrap().to_string();
            self.cookies.retain(|c| !c.starts_with(&format!("{name}=")));
            self.cookies.push(pair);
        }
    }

    async fn finish(&mut self, resp: reqwest::Response) -> (u16, String) {
        self.keep_cookies(&resp);
        let status = resp.status().as_u16();
        let page = resp.text().await.unwrap();
        if let Some(token) = page
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
        {
            self.csrf = token.to_string();
        }
        (status, page)
    }

    /// GETs `path`: the status and the page.
    pub async fn get(&mut self, path: &str) -> (u16, String) {
        let resp = self.fetch(path).await;
        self.finish(resp).await
    }

    /// GETs `path` with this person's cookies: the answer as it came (a
    /// download).
    pub async fn fetch(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookies.join("; "))
            .send()
            .await
            .unwrap()
    }

    /// POSTs a form (with the CSRF token of the last page read).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let mut body: Vec<(&str, &str)> = vec![("csrf", &self.csrf)];
        body.extend_from_slice(fields);
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookies.join("; "))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(&body))
            .send()
            .await
            .unwrap();
        self.finish(resp).await
    }
}

/// `application/x-www-form-urlencoded` of `fields`.
fn form_body(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                b => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}
