# ruff: noqa: E501  (a table of the plan, one task a line, reads best unwrapped)
"""The appendix of the seed plan twice: as a person types it into a spreadsheet (unit phrases as
written, no page breaks) and as the importer must read it (unit codes). Tests build their CSV,
Excel and Word files from the first and compare with the second."""

from __future__ import annotations

from settings import DATA_DIR

# The plan as issued, bundled with the product.
SEED = DATA_DIR / "plans" / "snv-binh-dinh-cchc-2023.txt"

HEADER = (
    "STT",
    "Nhiệm vụ cụ thể",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Thời gian thực hiện",
    "Ghi chú",
)

# (numeral, title) for a section heading; (STT, task, lead, coordinating, deadline) for a task.
SECTION = tuple[str, str]
ROW = tuple[str, str, str, str, str]

APPENDIX: list[SECTION | ROW] = [
    ("I", "CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH"),
    ("1", "Ban hành và triển khai thực hiện Kế hoạch kiểm tra công tác cải cách hành chính", "Phòng CCHC-VTLT", "Các đơn vị thuộc, trực thuộc Sở", "Ban hành Kế hoạch: tháng 2/2023 Thực hiện: cả năm"),
    ("2", "Xây dựng Quy chế Thi đua, khen thưởng Sở Nội vụ", "Văn phòng Sở", "Các đơn vị thuộc, trực thuộc Sở", "Sau khi UBND tỉnh ban hành"),
    ("3", "Thực hiện thông tin, tuyên truyền việc triển khai và kết quả thực hiện công tác cải cách hành chính trong cơ quan", "Văn phòng Sở", "Các đơn vị thuộc, trực thuộc Sở", "Thường xuyên"),
    ("4", "Triển khai chấm điểm Chỉ số cải cách hành chính năm 2023", "Phòng CCHC-VTLT", "Các đơn vị thuộc, trực thuộc Sở", "Tháng 12/2023"),
    ("5", "Tổ chức lấy ý kiến các cơ quan, đơn vị, địa phương về sự phục vụ của cơ quan Sở Nội vụ", "Văn phòng Sở", "Các đơn vị thuộc, trực thuộc Sở", "Tháng 11/2023"),
    ("6", "Tổ chức tọa đàm về cải cách hành chính", "Trung tâm lưu trữ lịch sử tỉnh", "Các đơn vị thuộc, trực thuộc Sở", "Tháng 9/2023"),
    ("7", "Thực hiện chế độ báo cáo định kỳ (quý, 6 tháng, năm)", "Phòng CCHC-VTLT", "Các đơn vị thuộc, trực thuộc Sở", "Cả năm"),
    ("II", "CẢI CÁCH THỂ CHẾ"),
    ("1", "Thực hiện rà soát, hệ thống hóa các văn bản quy phạm pháp luật", "Văn Phòng Sở", "Các đơn vị thuộc, trực thuộc Sở", "Theo Kế hoạch của UBND tỉnh"),
    ("2", "Xây dựng và triển khai Kế hoạch hệ thống hóa văn bản quy phạm pháp luật kỳ 2019-2023", "Văn Phòng Sở", "Các đơn vị thuộc, trực thuộc Sở", "Tháng 2/2023"),
    ("3", "Xây dựng và triển khai thực hiện Kế hoạch tuyên truyền, phổ biến giáo dục pháp luật năm 2023", "Văn Phòng Sở", "Các đơn vị thuộc, trực thuộc Sở", "Tháng 3/2023"),
    ("4", "Xây dựng các văn bản QPPL về các lĩnh vực của ngành Nội vụ", "Các cơ quan, đơn vị thuộc, trực thuộc Sở", "Văn phòng Sở", "Theo Kế hoạch của UBND tỉnh"),
    ("III", "CẢI CÁCH THỦ TỤC HÀNH CHÍNH"),
    ("1", "Rà soát, đăng ký, xây dựng Phương án đơn giản hóa thủ tục hành chính lĩnh vực Tôn giáo", "Ban Tôn giáo", "Văn phòng Sở", "Đăng ký: Tháng 3/2023 Xây dựng Phương án: Sau khi UBND tỉnh ban hành Kế hoạch KSTTHC năm 2023"),
    ("2", "Xây dựng dự thảo Quyết định công bố TTHC thuộc thẩm quyền trình Chủ tịch UBND tỉnh", "Văn phòng Sở", "Các đơn vị thuộc và trực thuộc Sở", "Khi có các văn bản QPPL mới ban hành"),
    ("3", "Xây dựng dự thảo Quyết định phê duyệt QTNB giải quyết TTHC thuộc thẩm quyền trình Chủ tịch UBND tỉnh", "Văn phòng Sở", "Các đơn vị thuộc và trực thuộc Sở", "Khi có các văn bản QPPL mới ban hành"),
    ("4", "Công bố TTHC nội bộ và xây dựng quy trình TTHC nội bộ tại cơ quan.", "Các đơn vị thuộc và trực thuộc Sở", "Văn phòng Sở", "Tháng 02/2023"),
    ("IV", "CẢI CÁCH TỔ CHỨC BỘ MÁY"),
    ("1", "Xây dựng kế hoạch biên chế năm 2023", "Văn phòng Sở", "Phòng TCBC và TCPCP", "Tháng 01/2023"),
    ("V", "CẢI CÁCH CHẾ ĐỘ CÔNG VỤ"),
    ("1", "Tiếp tục thực hiện sắp xếp cơ cấu công chức, viên chức theo đúng vị trí việc làm đã được phê duyệt", "Văn phòng Sở", "Các đơn vị liên quan", "Thường xuyên"),
    ("2", "Triển khai thực hiện Kế hoạch đào tạo, bồi dưỡng năm 2023", "Văn phòng Sở", "Phòng CCVC, các cơ quan, đơn vị có liên quan", "Theo Kế hoạch mở lớp của UBND tỉnh"),
    ("3", "Rà soát, đăng ký tuyển dụng công chức Sở Nội vụ", "Văn phòng Sở", "Phòng CCVC, các cơ quan, đơn vị có liên quan", "Theo Kế hoạch của UBND tỉnh"),
    ("4", "Thực hiện tuyển dụng, bổ nhiệm, quản lý sử dụng cán bộ công chức, viên chức theo quy định của tỉnh và Trung ương", "Văn phòng Sở", "Các đơn vị thuộc và trực thuộc Sở", "Theo Kế hoạch tuyển dụng của UBND tỉnh"),
    ("5", "Xây dựng Kế hoạch và thực hiện chuyển đổi vị trí công tác", "Các đơn vị thuộc và trực thuộc Sở", "Văn phòng Sở", "Ban hành Kế hoạch: tháng 4/2023 Thực hiện: tháng 6/2023"),
    ("VI", "CẢI CÁCH TÀI CHÍNH CÔNG"),
    ("1", "Tiếp tục thực hiện cơ chế tự chủ tài chính đối với Trung tâm lưu trữ lịch sử tỉnh sang đơn vị sự nghiệp công lập tự đảm bảo một phần chi thường xuyên.", "Trung tâm lưu trữ lịch sử tỉnh", "Văn phòng Sở, P.TCBC và TCPCP", "Cả năm"),
    ("2", "Xây dựng Nghị quyết và định mức đơn giá dịch vụ sự nghiệp công cơ bản thiết yếu sử dụng ngân sách nhà nước thuộc lĩnh vực Nội vụ", "Trung tâm lưu trữ lịch sử tỉnh", "Các cơ quan, đơn vị có liên quan", "Tháng 4/2023"),
    ("3", "Rà soát, sửa đổi quy chế chi tiêu nội bộ", "Văn phòng Sở, các đơn vị trực thuộc Sở", "Các cơ quan, đơn vị có liên quan", "Tháng 01/2023"),
    ("VII", "XÂY DỰNG VÀ PHÁT TRIỂN CHÍNH QUYỀN ĐIỆN TỬ, CHÍNH QUYỀN SỐ"),
    ("1", "Triển khai thực hiện Kế hoạch chuyển đổi số của Sở Nội vụ", "Văn phòng Sở", "Các đơn vị thuộc và trực thuộc Sở", "Cả năm"),
    ("2", "Xây dựng phòng họp không giấy, phòng họp trực tuyến", "Văn phòng Sở", "Các đơn vị thuộc và trực thuộc Sở", "Tháng 5/2023"),
    ("3", "Cập nhật cơ sở dữ liệu về thi đua - khen thưởng", "Ban Thi đua - Khen thưởng", "Các đơn vị liên quan", "Sau khi đã xây dựng phần mềm"),
    ("4", "Theo dõi việc thực hiện cơ sở dữ liệu quốc gia về cán bộ, công chức, viên chức", "Phòng Công chức, viên chức", "Các đơn vị liên quan", "Sau khi đã xây dựng phần mềm"),
    ("5", "Cập nhật cơ sở dữ liệu về cơ cấu tổ chức bên trong của các sở, ban, ngành, các đơn vị sự nghiệp công lập trên địa bàn tỉnh", "Phòng TCBC và TCPCP", "Các đơn vị liên quan", "Thường xuyên"),
    ("6", "Cập nhật cơ sở dữ liệu về tôn giáo", "Ban Tôn giáo", "Các đơn vị liên quan", "Sau khi đã xây dựng phần mềm"),
    ("7", "Triển khai thực hiện hệ thống thông tin báo cáo cấp tỉnh, kết nối, tích hợp chia sẻ dữ liệu hệ thống thông tin báo cáo Chính phủ và các địa phương, các sở, ban, ngành trên địa bàn tỉnh", "Văn phòng Sở", "Các đơn vị thuộc, trực thuộc Sở", "Sau khi có Quyết định phê duyệt của UBND tỉnh"),
    ("8", "Triển lãm thực tế ảo", "Trung tâm lưu trữ lịch sử tỉnh", "Các đơn vị có liên quan", "Tháng 8/2023"),
]  # fmt: skip

# Every unit of the department, in the directory's order ("Các đơn vị thuộc, trực thuộc Sở").
ALL = ["van-phong", "phong-tcbc", "phong-ccvc", "cchc-vtlt", "ban-ton-giao", "ban-tdkt", "ttlt"]


def all_but(code: str) -> list[str]:
    return [unit for unit in ALL if unit != code]


# (code, title, lead units, coordinating units, unresolved phrases, deadline text)
TASK = tuple[str, str, list[str], list[str], list[str], str]

EXPECTED_TASKS: list[TASK] = [
    ("I.1", "Ban hành và triển khai thực hiện Kế hoạch kiểm tra công tác cải cách hành chính", ["cchc-vtlt"], all_but("cchc-vtlt"), [], "Ban hành Kế hoạch: tháng 2/2023 Thực hiện: cả năm"),
    ("I.2", "Xây dựng Quy chế Thi đua, khen thưởng Sở Nội vụ", ["van-phong"], all_but("van-phong"), [], "Sau khi UBND tỉnh ban hành"),
    ("I.3", "Thực hiện thông tin, tuyên truyền việc triển khai và kết quả thực hiện công tác cải cách hành chính trong cơ quan", ["van-phong"], all_but("van-phong"), [], "Thường xuyên"),
    ("I.4", "Triển khai chấm điểm Chỉ số cải cách hành chính năm 2023", ["cchc-vtlt"], all_but("cchc-vtlt"), [], "Tháng 12/2023"),
    ("I.5", "Tổ chức lấy ý kiến các cơ quan, đơn vị, địa phương về sự phục vụ của cơ quan Sở Nội vụ", ["van-phong"], all_but("van-phong"), [], "Tháng 11/2023"),
    ("I.6", "Tổ chức tọa đàm về cải cách hành chính", ["ttlt"], all_but("ttlt"), [], "Tháng 9/2023"),
    # Cut by a page break: "định" + "kỳ (quý, …)", "Phòng CCHC-" + "VTLT", "trực" + "thuộc Sở".
    ("I.7", "Thực hiện chế độ báo cáo định kỳ (quý, 6 tháng, năm)", ["cchc-vtlt"], all_but("cchc-vtlt"), [], "Cả năm"),
    ("II.1", "Thực hiện rà soát, hệ thống hóa các văn bản quy phạm pháp luật", ["van-phong"], all_but("van-phong"), [], "Theo Kế hoạch của UBND tỉnh"),
    ("II.2", "Xây dựng và triển khai Kế hoạch hệ thống hóa văn bản quy phạm pháp luật kỳ 2019-2023", ["van-phong"], all_but("van-phong"), [], "Tháng 2/2023"),
    ("II.3", "Xây dựng và triển khai thực hiện Kế hoạch tuyên truyền, phổ biến giáo dục pháp luật năm 2023", ["van-phong"], all_but("van-phong"), [], "Tháng 3/2023"),
    # The whole department leads; the office, named on its own, coordinates.
    ("II.4", "Xây dựng các văn bản QPPL về các lĩnh vực của ngành Nội vụ", all_but("van-phong"), ["van-phong"], [], "Theo Kế hoạch của UBND tỉnh"),
    # Cut by a page break: the deadline continues "… năm" + "2023".
    ("III.1", "Rà soát, đăng ký, xây dựng Phương án đơn giản hóa thủ tục hành chính lĩnh vực Tôn giáo", ["ban-ton-giao"], ["van-phong"], [], "Đăng ký: Tháng 3/2023 Xây dựng Phương án: Sau khi UBND tỉnh ban hành Kế hoạch KSTTHC năm 2023"),
    ("III.2", "Xây dựng dự thảo Quyết định công bố TTHC thuộc thẩm quyền trình Chủ tịch UBND tỉnh", ["van-phong"], all_but("van-phong"), [], "Khi có các văn bản QPPL mới ban hành"),
    ("III.3", "Xây dựng dự thảo Quyết định phê duyệt QTNB giải quyết TTHC thuộc thẩm quyền trình Chủ tịch UBND tỉnh", ["van-phong"], all_but("van-phong"), [], "Khi có các văn bản QPPL mới ban hành"),
    ("III.4", "Công bố TTHC nội bộ và xây dựng quy trình TTHC nội bộ tại cơ quan.", all_but("van-phong"), ["van-phong"], [], "Tháng 02/2023"),
    ("IV.1", "Xây dựng kế hoạch biên chế năm 2023", ["van-phong"], ["phong-tcbc"], [], "Tháng 01/2023"),
    ("V.1", "Tiếp tục thực hiện sắp xếp cơ cấu công chức, viên chức theo đúng vị trí việc làm đã được phê duyệt", ["van-phong"], [], ["Các đơn vị liên quan"], "Thường xuyên"),
    # Cut by a page break: "… có liên" + "quan".
    ("V.2", "Triển khai thực hiện Kế hoạch đào tạo, bồi dưỡng năm 2023", ["van-phong"], ["phong-ccvc"], ["các cơ quan, đơn vị có liên quan"], "Theo Kế hoạch mở lớp của UBND tỉnh"),
    ("V.3", "Rà soát, đăng ký tuyển dụng công chức Sở Nội vụ", ["van-phong"], ["phong-ccvc"], ["các cơ quan, đơn vị có liên quan"], "Theo Kế hoạch của UBND tỉnh"),
    ("V.4", "Thực hiện tuyển dụng, bổ nhiệm, quản lý sử dụng cán bộ công chức, viên chức theo quy định của tỉnh và Trung ương", ["van-phong"], all_but("van-phong"), [], "Theo Kế hoạch tuyển dụng của UBND tỉnh"),
    ("V.5", "Xây dựng Kế hoạch và thực hiện chuyển đổi vị trí công tác", all_but("van-phong"), ["van-phong"], [], "Ban hành Kế hoạch: tháng 4/2023 Thực hiện: tháng 6/2023"),
    ("VI.1", "Tiếp tục thực hiện cơ chế tự chủ tài chính đối với Trung tâm lưu trữ lịch sử tỉnh sang đơn vị sự nghiệp công lập tự đảm bảo một phần chi thường xuyên.", ["ttlt"], ["van-phong", "phong-tcbc"], [], "Cả năm"),
    # Cut by a page break: "… sử dụng" + "ngân sách nhà nước …".
    ("VI.2", "Xây dựng Nghị quyết và định mức đơn giá dịch vụ sự nghiệp công cơ bản thiết yếu sử dụng ngân sách nhà nước thuộc lĩnh vực Nội vụ", ["ttlt"], [], ["Các cơ quan, đơn vị có liên quan"], "Tháng 4/2023"),
    # "các đơn vị trực thuộc Sở": the boards and the archive centre, which keep their own budgets.
    ("VI.3", "Rà soát, sửa đổi quy chế chi tiêu nội bộ", ["van-phong", "ban-ton-giao", "ban-tdkt", "ttlt"], [], ["Các cơ quan, đơn vị có liên quan"], "Tháng 01/2023"),
    ("VII.1", "Triển khai thực hiện Kế hoạch chuyển đổi số của Sở Nội vụ", ["van-phong"], all_but("van-phong"), [], "Cả năm"),
    ("VII.2", "Xây dựng phòng họp không giấy, phòng họp trực tuyến", ["van-phong"], all_but("van-phong"), [], "Tháng 5/2023"),
    ("VII.3", "Cập nhật cơ sở dữ liệu về thi đua - khen thưởng", ["ban-tdkt"], [], ["Các đơn vị liên quan"], "Sau khi đã xây dựng phần mềm"),
    ("VII.4", "Theo dõi việc thực hiện cơ sở dữ liệu quốc gia về cán bộ, công chức, viên chức", ["phong-ccvc"], [], ["Các đơn vị liên quan"], "Sau khi đã xây dựng phần mềm"),
    ("VII.5", "Cập nhật cơ sở dữ liệu về cơ cấu tổ chức bên trong của các sở, ban, ngành, các đơn vị sự nghiệp công lập trên địa bàn tỉnh", ["phong-tcbc"], [], ["Các đơn vị liên quan"], "Thường xuyên"),
    ("VII.6", "Cập nhật cơ sở dữ liệu về tôn giáo", ["ban-ton-giao"], [], ["Các đơn vị liên quan"], "Sau khi đã xây dựng phần mềm"),
    ("VII.7", "Triển khai thực hiện hệ thống thông tin báo cáo cấp tỉnh, kết nối, tích hợp chia sẻ dữ liệu hệ thống thông tin báo cáo Chính phủ và các địa phương, các sở, ban, ngành trên địa bàn tỉnh", ["van-phong"], all_but("van-phong"), [], "Sau khi có Quyết định phê duyệt của UBND tỉnh"),
    ("VII.8", "Triển lãm thực tế ảo", ["ttlt"], [], ["Các đơn vị có liên quan"], "Tháng 8/2023"),
]  # fmt: skip


def table_rows() -> list[list[str]]:
    """The appendix as plain rows of six cells: a section heading fills the first cell only."""
    rows: list[list[str]] = []
    for entry in APPENDIX:
        if len(entry) == 2:
            rows.append([f"{entry[0]}. {entry[1]}", "", "", "", "", ""])
        else:
            rows.append([*entry, ""])
    return rows
